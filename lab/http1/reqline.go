package http1

import "errors"

// errIncomplete means the bytes seen so far are a valid prefix.
var errIncomplete = errors.New("http1: incomplete")

const (
	whileLine    = " while reading client request line"
	whileHeaders = " while reading client request headers"
)

func lineErr(status int, msg string) *Error {
	return &Error{Status: status, Reason: msg + whileLine}
}

// reqLine holds offsets into the request line.
type reqLine struct {
	methodEnd              int
	targetStart, targetEnd int
	hostStart, hostEnd     int // authority host of an absolute-form target; hostEnd == 0 when none
	pathStart, pathEnd     int // pathStart == pathEnd when an absolute target has no path
	argsStart              int // -1 when there is no '?'
	argsEnd                int
	protoStart, protoEnd   int
	major, minor           int
	http09                 bool
}

func isMethodChar(c byte) bool { return 'A' <= c && c <= 'Z' || c == '_' || c == '-' }

func isAlpha(c byte) bool { c |= 0x20; return 'a' <= c && c <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isCtl reports bytes nginx refuses inside a request target or header name.
func isCtl(c byte) bool { return c < 0x20 || c == 0x7f }

// scanRequestLine parses one request line in b, following nginx 1.22's rules
// as observed on the real server (see doc.go). It returns the offset just past
// the line's LF, errIncomplete when b ends before the line does, or an *Error.
func scanRequestLine(b []byte, rl *reqLine) (int, error) {
	invalid := func() (int, error) { return 0, lineErr(400, "client sent invalid request") }
	n := len(b)
	i := 0
	for ; i < n && isMethodChar(b[i]); i++ {
	}
	if i == n {
		return 0, errIncomplete
	}
	if i == 0 || b[i] != ' ' {
		return 0, lineErr(400, "client sent invalid method")
	}
	rl.methodEnd = i
	for ; i < n && b[i] == ' '; i++ {
	}
	if i == n {
		return 0, errIncomplete
	}
	rl.targetStart = i
	rl.argsStart = -1
	switch c := b[i]; {
	case c == '/':
		rl.pathStart = i
	case isAlpha(c):
		var err error
		if i, err = scanAuthority(b, i, rl); err != nil {
			return 0, err
		}
		rl.pathStart = i
	default:
		return invalid()
	}
	// path, then query, then fragment; each ends at ' ', CR or LF.
	part := 0 // 0 path, 1 args, 2 fragment
	rl.pathEnd = -1
target:
	for ; i < n; i++ {
		switch c := b[i]; c {
		case ' ', '\r', '\n':
			break target
		case '?':
			if part == 0 {
				rl.pathEnd, rl.argsStart, part = i, i+1, 1
			}
		case '#':
			if part == 0 {
				rl.pathEnd = i
			} else if part == 1 {
				rl.argsEnd = i
			}
			part = 2
		default:
			if isCtl(c) {
				return invalid()
			}
		}
	}
	if i == n {
		return 0, errIncomplete
	}
	switch part {
	case 0:
		rl.pathEnd = i
	case 1:
		rl.argsEnd = i
	}
	rl.targetEnd = i
	for ; i < n && b[i] == ' '; i++ {
	}
	if i == n {
		return 0, errIncomplete
	}
	if b[i] == '\r' || b[i] == '\n' {
		// No version: an HTTP/0.9 request, which nginx allows for GET only.
		end, err := lineEnd(b, i)
		if err != nil {
			return 0, err
		}
		rl.http09, rl.major, rl.minor = true, 0, 9
		if string(b[:rl.methodEnd]) != "GET" {
			e := lineErr(400, "client sent invalid method in HTTP/0.9 request")
			e.HTTP09 = true
			return 0, e
		}
		return end, nil
	}
	rl.protoStart = i
	const proto = "HTTP/"
	for k := 0; k < len(proto); k, i = k+1, i+1 {
		if i == n {
			return 0, errIncomplete
		}
		if b[i] != proto[k] {
			return invalid()
		}
	}
	if i == n {
		return 0, errIncomplete
	}
	if b[i] < '1' || b[i] > '9' {
		return invalid()
	}
	rl.major = int(b[i] - '0')
	for i++; ; i++ {
		if rl.major > 1 {
			return 0, &Error{Status: 505, Reason: "client sent invalid version" + whileLine}
		}
		if i == n {
			return 0, errIncomplete
		}
		if b[i] == '.' {
			break
		}
		if !isDigit(b[i]) {
			return invalid()
		}
		rl.major = rl.major*10 + int(b[i]-'0')
	}
	i++
	if i == n {
		return 0, errIncomplete
	}
	if !isDigit(b[i]) {
		return invalid()
	}
	for ; i < n && isDigit(b[i]); i++ {
		if rl.minor > 99 {
			return invalid()
		}
		rl.minor = rl.minor*10 + int(b[i]-'0')
	}
	rl.protoEnd = i
	for ; i < n && b[i] == ' '; i++ {
	}
	if i == n {
		return 0, errIncomplete
	}
	if b[i] != '\r' && b[i] != '\n' {
		return invalid()
	}
	return lineEnd(b, i)
}

// lineEnd accepts CRLF or a bare LF at b[i].
func lineEnd(b []byte, i int) (int, error) {
	if b[i] == '\r' {
		i++
		if i == len(b) {
			return 0, errIncomplete
		}
		if b[i] != '\n' {
			return 0, lineErr(400, "client sent invalid request")
		}
	}
	return i + 1, nil
}

// scanAuthority parses "scheme://host[:port]" of an absolute-form target
// starting at b[i] and returns the offset of what follows (path, '?' or the
// space). Any scheme is accepted, as nginx does.
func scanAuthority(b []byte, i int, rl *reqLine) (int, error) {
	invalid := func() (int, error) { return 0, lineErr(400, "client sent invalid request") }
	n := len(b)
	for ; i < n; i++ {
		c := b[i]
		if isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.' {
			continue
		}
		if c != ':' {
			return invalid()
		}
		break
	}
	for k := 0; k < 3; k++ { // ":" "/" "/"
		if i == n {
			return 0, errIncomplete
		}
		if k > 0 && b[i] != '/' {
			return invalid()
		}
		i++
	}
	rl.hostStart = i
	if i < n && b[i] == '[' {
		for i++; i < n && b[i] != ']'; i++ {
			if c := b[i]; !(isAlpha(c) || isDigit(c) || isHostLiteralChar(c)) {
				return invalid()
			}
		}
		if i == n {
			return 0, errIncomplete
		}
		i++
	} else {
		for ; i < n && (isAlpha(b[i]) || isDigit(b[i]) || b[i] == '.' || b[i] == '-'); i++ {
		}
	}
	rl.hostEnd = i
	if i < n && b[i] == ':' {
		for i++; i < n && isDigit(b[i]); i++ {
		}
	}
	if i == n {
		return 0, errIncomplete
	}
	switch b[i] {
	case '/', '?', ' ':
	default:
		return invalid()
	}
	if _, ok := validHost(b[rl.hostStart:rl.hostEnd]); !ok {
		return 0, lineErr(400, "client sent invalid host in request line")
	}
	return i, nil
}

func isHostLiteralChar(c byte) bool {
	switch c {
	case ':', '.', '-', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=':
		return true
	}
	return false
}

// validHost checks a host the way nginx's host validation does and returns
// the length of the host part (port and a trailing dot cut off). Upper case is
// allowed; the caller lowercases.
func validHost(h []byte) (int, bool) {
	const (
		usual = iota
		literal
		rest
	)
	dot := -2
	hostLen := len(h)
	state := usual
	for i, c := range h {
		switch c {
		case '.':
			if dot == i-1 {
				return 0, false
			}
			dot = i
		case ':':
			if state == usual {
				hostLen, state = i, rest
			}
		case '[':
			if i == 0 {
				state = literal
			}
		case ']':
			if state == literal {
				hostLen, state = i+1, rest
			}
		default:
			if c == '/' || c <= 0x20 || c == 0x7f {
				return 0, false
			}
		}
	}
	if dot == hostLen-1 {
		hostLen--
	}
	if hostLen <= 0 {
		return 0, false
	}
	return hostLen, true
}
