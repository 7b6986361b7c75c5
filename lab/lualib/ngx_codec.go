package lualib

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"hash/crc32"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The digest and base64 helpers are lua-resty-core functions in OpenResty:
// a non-string argument is coerced (nil and false become "", others go
// through tostring) and extra arguments are ignored.

func ngxMD5(L *lua.LState) int {
	sum := md5.Sum([]byte(coerceString(L, L.Get(1))))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func ngxMD5Bin(L *lua.LState) int {
	sum := md5.Sum([]byte(coerceString(L, L.Get(1))))
	L.Push(lua.LString(sum[:]))
	return 1
}

func ngxSHA1Bin(L *lua.LState) int {
	sum := sha1.Sum([]byte(coerceString(L, L.Get(1))))
	L.Push(lua.LString(sum[:]))
	return 1
}

// ngxCRC32 serves both crc32_short and crc32_long: they differ in nginx only
// in speed on short or long input, and give the same IEEE CRC-32.
func ngxCRC32(L *lua.LState) int {
	L.Push(lua.LNumber(crc32.ChecksumIEEE([]byte(coerceString(L, L.Get(1))))))
	return 1
}

// ngxHMACSHA1 is the C function ngx.hmac_sha1(key, data).
func ngxHMACSHA1(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		L.RaiseError("expecting 2 arguments, but got %d", n)
	}
	key := checkString(L, 1)
	data := checkString(L, 2)
	mac := hmac.New(sha1.New, []byte(key))
	mac.Write([]byte(data))
	L.Push(lua.LString(mac.Sum(nil)))
	return 1
}

func ngxEncodeBase64(L *lua.LState) int {
	s := coerceString(L, L.Get(1))
	enc := base64.StdEncoding
	switch np := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if np {
			enc = base64.RawStdEncoding
		}
	default:
		L.RaiseError("bad no_padding: boolean expected, got %s", np.Type().String())
	}
	L.Push(lua.LString(enc.EncodeToString([]byte(s))))
	return 1
}

// ngxDecodeBase64 follows nginx's ngx_decode_base64: decoding stops at the
// first '=', a byte outside the alphabet (including whitespace) is an
// error, and so is a length of 4k+1; padding is optional and unused bits
// of the last character are ignored. Errors give nil.
func ngxDecodeBase64(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("string argument only")
	}
	src := string(s)
	if i := strings.IndexByte(src, '='); i >= 0 {
		src = src[:i]
	}
	if len(src)%4 == 1 {
		L.Push(lua.LNil)
		return 1
	}
	out := make([]byte, 0, len(src)*3/4)
	var acc uint32
	nbits := 0
	for i := 0; i < len(src); i++ {
		v := base64Value(src[i])
		if v < 0 {
			L.Push(lua.LNil)
			return 1
		}
		acc = acc<<6 | uint32(v)
		nbits += 6
		if nbits >= 8 {
			nbits -= 8
			out = append(out, byte(acc>>uint(nbits)))
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// ngxQuoteSQLStr is the C function ngx.quote_sql_str(s): MySQL quoting in
// single quotes, escaping NUL, \b, \t, \n, \r, Ctrl-Z, \, ' and ".
func ngxQuoteSQLStr(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("expecting one argument")
	}
	s := checkString(L, 1)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b.WriteString(`\0`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 26:
			b.WriteString(`\Z`)
		case '\\', '\'', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	L.Push(lua.LString(b.String()))
	return 1
}
