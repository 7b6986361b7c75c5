package http1

import (
	"fmt"
	"unsafe"
)

// Header is one request header line as the client sent it: Name keeps the
// client's spelling and Value has the spaces around it trimmed (tabs are kept,
// as nginx does).
type Header struct{ Name, Value string }

// Request is a parsed request head. All strings share one copy of the head, so
// a Request stays valid after the caller reuses its read buffer.
type Request struct {
	Method string // "GET"; nginx accepts [A-Z_-]+
	RawURI string // request target as sent, e.g. "/a%20b?x=1" or "http://h/p"
	Path   string // raw path part of the target, not decoded ("/" for "http://h")
	Args   string // query string without '?'; "" when absent or empty
	URI    string // Path decoded and normalized like nginx's $uri
	Proto  string // version text as sent ("HTTP/1.1"); "" for HTTP/0.9
	Major  int    // 1, or 0 for HTTP/0.9
	Minor  int    // 0 or 1 usually; nginx accepts up to 999 (9 for HTTP/0.9)

	Headers []Header // valid header lines in order (invalid names are dropped)
	// IgnoredHeaders holds lines nginx drops with ignore_invalid_headers on;
	// nginx logs each at info level as `client sent invalid header line: "..."`.
	IgnoredHeaders []string

	Host          string // from the request line's authority or the Host header: lowercased, port and trailing dot stripped
	ContentLength int64  // -1 when there is no Content-Length header
	Chunked       bool   // Transfer-Encoding: chunked
	KeepAlive     bool   // HTTP/1.1 unless Connection has "close"; HTTP/1.0 only with "keep-alive"
	Expect100     bool   // HTTP/1.1+ with "Expect: 100-continue"

	// RawHeader is the request line and headers exactly as received, through
	// the final empty line (leading empty lines excluded). Note that ngx_lua's
	// ngx.req.raw_header() returns exactly this only for well-formed lines: it
	// rebuilds the text from nginx's modified buffer and garbles lines such as
	// "D:" or "B: v  " (trailing spaces).
	//
	// RawHeader is read-only: it shares the memory of the string that backs
	// Method, URI, the headers and the rest (one allocation per head).
	RawHeader []byte
}

// Reset clears r for reuse by ParseRequestInto, keeping the capacity of its
// Headers and IgnoredHeaders (RawHeader, read-only, is dropped).
func (r *Request) Reset() {
	h, ig := r.Headers[:0], r.IgnoredHeaders[:0]
	*r = Request{Headers: h, IgnoredHeaders: ig, ContentLength: -1}
}

// Text is the head's text as one string, the one that backs RawHeader and
// every string of r ("" before a head was parsed into r).
func (r *Request) Text() string {
	return unsafe.String(unsafe.SliceData(r.RawHeader), len(r.RawHeader))
}

// Header returns the value of the first header whose name matches name
// case-insensitively, and whether there was one.
func (r *Request) Header(name string) (string, bool) {
	for _, h := range r.Headers {
		if equalFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Limits are the nginx directives that bound a request.
type Limits struct {
	// MaxHeaderBytes is the size of one large header buffer
	// (large_client_header_buffers 4 8k): no request line or header line may
	// be longer. 0 means 8192.
	MaxHeaderBytes int
	// MaxBodyBytes is client_max_body_size; 0 means unlimited (nginx's own
	// default is 1m: the caller passes it).
	MaxBodyBytes int64
	// HeaderBuffers is the number of large header buffers; 0 means 4. With
	// MaxHeaderBytes it gives the total budget (about 32k): nginx packs whole
	// lines into the buffers, so the exact limit depends on line lengths.
	HeaderBuffers int
	// HeaderBufferSize is client_header_buffer_size, the first buffer; 0
	// means 1024.
	HeaderBufferSize int
	// UnderscoresInHeaders is underscores_in_headers: when false (nginx's
	// default) header names with '_' are ignored.
	UnderscoresInHeaders bool
}

func (l Limits) large() int {
	if l.MaxHeaderBytes > 0 {
		return l.MaxHeaderBytes
	}
	return 8192
}

func (l Limits) buffers() int {
	if l.HeaderBuffers > 0 {
		return l.HeaderBuffers
	}
	return 4
}

func (l Limits) first() int {
	if l.HeaderBufferSize > 0 {
		return l.HeaderBufferSize
	}
	return 1024
}

// Error is a request nginx refuses. Status is the code nginx finalizes the
// request with (494 is sent as "400 Bad Request" with the "Request Header Or
// Cookie Too Large" page: see ErrorPageStatus). Reason is nginx's error_log
// text, logged at info level.
type Error struct {
	Status int
	Reason string
	// HTTP09 is set when the request line was an HTTP/0.9 one: nginx then
	// sends the error page without a status line or headers.
	HTTP09 bool
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("http1: %d: %s", e.Status, e.Reason)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// MethodAndTarget is "METHOD target" (the request line without its
// version): a slice of the head's text when the line holds it so (one
// space between them, as nearly every client sends), else a new string.
func (r *Request) MethodAndTarget() string {
	line := r.Text()
	n := len(r.Method) + 1 + len(r.RawURI)
	if len(line) > n && line[:len(r.Method)] == r.Method && line[len(r.Method)] == ' ' && line[len(r.Method)+1:n] == r.RawURI {
		return line[:n]
	}
	return r.Method + " " + r.RawURI
}
