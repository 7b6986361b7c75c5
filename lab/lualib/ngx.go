package lualib

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Clock is the worker's cached clock, as nginx's ngx_time_update cache: the
// time functions of the ngx table read Now and never the system clock, so
// that a worker's Lua sees the time of its current event loop iteration.
type Clock interface {
	Now() time.Time
}

// clockUpdater is the optional part of a Clock that ngx.update_time calls.
type clockUpdater interface {
	Update()
}

// systemClock is used when RegisterNgx gets a nil Clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// RegisterNgx sets the request-free functions of ngx_lua on the table ngx:
// null, md5, md5_bin, sha1_bin, hmac_sha1, crc32_short, crc32_long,
// encode_base64, decode_base64, escape_uri, unescape_uri, encode_args,
// decode_args, quote_sql_str, http_time, cookie_time, parse_http_time, now,
// time, today, localtime, utctime and update_time. The time functions read
// clock (the system clock when nil); ngx.update_time calls clock.Update()
// when clock has that method. Behaviour and messages follow ngx_lua
// 0.10.23 with lua-resty-core, as measured on Debian's nginx.
func RegisterNgx(L *lua.LState, ngx *lua.LTable, clock Clock) {
	if clock == nil {
		clock = systemClock{}
	}
	ngx.RawSetString("null", Null(L))
	setFuncs(L, ngx, map[string]lua.LGFunction{
		"md5":             ngxMD5,
		"md5_bin":         ngxMD5Bin,
		"sha1_bin":        ngxSHA1Bin,
		"hmac_sha1":       ngxHMACSHA1,
		"crc32_short":     ngxCRC32,
		"crc32_long":      ngxCRC32,
		"encode_base64":   ngxEncodeBase64,
		"decode_base64":   ngxDecodeBase64,
		"escape_uri":      ngxEscapeURI,
		"unescape_uri":    ngxUnescapeURI,
		"encode_args":     ngxEncodeArgs,
		"decode_args":     ngxDecodeArgs,
		"quote_sql_str":   ngxQuoteSQLStr,
		"http_time":       ngxHTTPTime,
		"cookie_time":     ngxCookieTime,
		"parse_http_time": ngxParseHTTPTime,
	})
	registerNgxClock(L, ngx, clock)
}
