package http1

import (
	"fmt"
	"strconv"
	"unsafe"
)

// hdrOff is a header line's offsets relative to the start of the head.
type hdrOff struct {
	start, nameEnd, valStart, valEnd int
	invalid                          bool
}

// ParseRequest parses a request head from the start of buf. When buf holds a
// complete head it returns the request and n, the bytes consumed (leading
// empty lines included; the body, if any, starts at buf[n]). When more bytes
// are needed it returns (nil, 0, nil). A request nginx refuses gives an
// *Error. buf is not retained.
func ParseRequest(buf []byte, lim Limits) (req *Request, n int, err error) {
	req = &Request{}
	req.Reset()
	n, err = ParseRequestInto(req, buf, lim)
	if err != nil || n == 0 {
		return nil, 0, err
	}
	return req, n, nil
}

// ParseRequestInto is ParseRequest reusing req's storage (it calls req.Reset).
// n == 0 with a nil error means more bytes are needed; req's contents are
// then unspecified.
func ParseRequestInto(req *Request, buf []byte, lim Limits) (n int, err error) {
	return ParseRequestAfter(req, buf, lim, "")
}

// ParseRequestAfter is ParseRequestInto for a request that follows one
// whose head text (Request.Text) was prev, on the same connection: when the
// new head is the same bytes (a keep-alive client asking for the same
// thing again), its strings share prev's memory instead of a new copy.
// Strings are immutable, so whoever keeps one of the earlier request's
// (Lua may) sees no difference.
func ParseRequestAfter(req *Request, buf []byte, lim Limits, prev string) (n int, err error) {
	req.Reset()
	p := parser{buf: buf, lim: lim, end: lim.first(), prev: prev}
	return p.parse(req)
}

// parser walks the head line by line while simulating nginx's header
// buffers: a first buffer of client_header_buffer_size, then up to
// HeaderBuffers large buffers; a line that does not fit where it starts is
// moved whole into a new large buffer.
type parser struct {
	buf    []byte
	lim    Limits
	end    int // end of the current header buffer, as an offset in buf
	nlarge int
	offs   [24]hdrOff
	prev   string // the previous head's text, shared when the same (ParseRequestAfter)
}

// fit reports whether the line starting at ls and scanned by scan fits the
// header buffers; it returns scan's result once the line is complete.
func (p *parser) fit(ls int, scan func(b []byte) (int, error), tooLong func(ls int) *Error) (int, error) {
	for {
		limit := min(len(p.buf), p.end)
		n, err := scan(p.buf[ls:limit])
		if err != errIncomplete {
			return n, err
		}
		if len(p.buf) < p.end {
			return 0, errIncomplete
		}
		// The buffer is full and the line goes on: nginx needs a new large
		// buffer for it (ngx_http_alloc_large_header_buffer).
		if p.end-ls >= p.lim.large() || p.nlarge >= p.lim.buffers() {
			return 0, tooLong(ls)
		}
		p.nlarge++
		p.end = ls + p.lim.large()
	}
}

func (p *parser) parse(req *Request) (int, error) {
	buf := p.buf
	start := 0
	for start < len(buf) && (buf[start] == '\r' || buf[start] == '\n') {
		start++
	}
	// A client that fills the header buffer with empty lines gets it
	// emptied and reused (ngx_http_alloc_large_header_buffer with state 0):
	// the request line then starts a new buffer of the first size.
	for start >= p.end && start > 0 {
		p.end += p.lim.first()
	}
	var rl reqLine
	lineLen, err := p.fit(start, func(b []byte) (int, error) { return scanRequestLine(b, &rl) },
		func(int) *Error { return lineErr(414, "client sent too long URI") })
	if err != nil {
		return 0, incomplete(err)
	}
	uri, sameURI, err := normalizeBytes(buf[start+rl.pathStart : start+rl.pathEnd])
	if err != nil {
		e := lineErr(400, "client sent invalid request")
		e.HTTP09 = rl.http09
		return 0, e
	}
	pos := start + lineLen
	offs := p.offs[:0]
	st := headState{head: buf[start:], offs: &offs}
	if !rl.http09 {
		for {
			var h hdrLine
			ls := pos
			n, err := p.fit(ls, func(b []byte) (int, error) { return scanHeaderLine(b, p.lim.UnderscoresInHeaders, &h) }, p.tooLongHeader)
			if err != nil {
				return 0, incomplete(err)
			}
			pos += n
			if h.empty {
				break
			}
			offs = append(offs, hdrOff{ls - start, ls - start + h.nameEnd, ls - start + h.valStart, ls - start + h.valEnd, h.invalid})
			if !h.invalid {
				if err := st.header(len(offs)); err != nil {
					return 0, err
				}
			}
		}
	}

	// The head is complete: one copy backs every string of the request,
	// RawHeader included (read-only: it shares the string's memory).
	head := p.prev
	if string(buf[start:pos]) != head { // compared without a copy
		head = string(buf[start:pos])
	}
	req.RawHeader = unsafe.Slice(unsafe.StringData(head), len(head))
	req.Method = head[:rl.methodEnd]
	req.RawURI = head[rl.targetStart:rl.targetEnd]
	req.Path = head[rl.pathStart:rl.pathEnd]
	if req.Path == "" {
		req.Path = "/"
	}
	if sameURI {
		uri = req.Path
	} else if uri == "" {
		uri = "/"
	}
	req.URI = uri
	if rl.argsStart >= 0 {
		req.Args = head[rl.argsStart:rl.argsEnd]
	}
	req.Major, req.Minor = rl.major, rl.minor
	if !rl.http09 {
		req.Proto = head[rl.protoStart:rl.protoEnd]
	}
	if cap(req.Headers) < len(offs) {
		req.Headers = make([]Header, 0, len(offs))
	}
	for _, o := range offs {
		if o.invalid {
			req.IgnoredHeaders = append(req.IgnoredHeaders, head[o.start:o.valEnd])
			continue
		}
		req.Headers = append(req.Headers, Header{head[o.start:o.nameEnd], head[o.valStart:o.valEnd]})
	}
	if err := st.finish(req, &rl, head, offs, p.lim); err != nil {
		return 0, err
	}
	return pos, nil
}

func incomplete(err error) error {
	if err == errIncomplete {
		return nil
	}
	return err
}

// tooLongHeader builds the 494 error for the header line starting at ls.
func (p *parser) tooLongHeader(ls int) *Error {
	if ls >= p.end {
		return &Error{Status: 494, Reason: "client sent too large request" + whileHeaders}
	}
	// nginx quotes at most NGX_MAX_ERROR_STR - 300 bytes of the line.
	n := min(p.end-ls, 1748)
	return &Error{Status: 494, Reason: fmt.Sprintf(`client sent too long header line: "%s..."`, p.buf[ls:ls+n]) + whileHeaders}
}

// headState tracks the headers nginx gives a meaning to while reading them.
type headState struct {
	head                                          []byte    // the head, from the request line on
	offs                                          *[]hdrOff // header lines so far
	host, contentLength, transferEncoding, expect int       // index+1 in offs of the first such header
	unique                                        [7]int
	connection                                    int // 0 none, 1 close, 2 keep-alive
}

// line returns header k (1-based) as nginx quotes it in the log: "Name: value".
func (st *headState) line(k int) string {
	o := (*st.offs)[k-1]
	return string(st.head[o.start:o.nameEnd]) + ": " + string(st.head[o.valStart:o.valEnd])
}

// uniqueHeaders may appear once (ngx_http_process_unique_header_line in
// nginx 1.22); Content-Length, Transfer-Encoding and Expect are tracked apart.
var uniqueHeaders = [...]string{"If-Modified-Since", "If-Unmodified-Since", "If-Match", "If-None-Match", "If-Range", "Content-Range", "Authorization"}

// header handles header k (1-based), just completed.
func (st *headState) header(k int) error {
	o := (*st.offs)[k-1]
	name, value := st.head[o.start:o.nameEnd], st.head[o.valStart:o.valEnd]
	switch lower(name[0]) {
	case 'a', 'c', 'e', 'h', 'i', 't':
	default:
		return nil // not a header nginx checks while reading
	}
	var slot *int
	switch {
	case fold(name, "Host"):
		if st.host != 0 {
			return &Error{Status: 400, Reason: fmt.Sprintf(`client sent duplicate host header: "%s", previous value: "%s"`, st.line(k), st.line(st.host)) + whileHeaders}
		}
		if _, ok := validHost(value); !ok {
			return &Error{Status: 400, Reason: "client sent invalid host header" + whileHeaders}
		}
		st.host = k
		return nil
	case fold(name, "Connection"):
		if containsFold(value, "close") {
			st.connection = 1
		} else if containsFold(value, "keep-alive") {
			st.connection = 2
		}
		return nil
	case fold(name, "Content-Length"):
		slot = &st.contentLength
	case fold(name, "Transfer-Encoding"):
		slot = &st.transferEncoding
	case fold(name, "Expect"):
		slot = &st.expect
	default:
		for i, u := range uniqueHeaders {
			if fold(name, u) {
				slot = &st.unique[i]
				break
			}
		}
		if slot == nil {
			return nil
		}
	}
	if *slot != 0 {
		return &Error{Status: 400, Reason: fmt.Sprintf(`client sent duplicate header line: "%s", previous value: "%s"`, st.line(k), st.line(*slot)) + whileHeaders}
	}
	*slot = k
	return nil
}

// finish applies nginx's checks made once the head is complete
// (ngx_http_process_request_header) and fills the derived fields.
func (st *headState) finish(req *Request, rl *reqLine, head string, offs []hdrOff, lim Limits) error {
	value := func(i int) string { o := offs[i-1]; return head[o.valStart:o.valEnd] }
	headerErr := func(status int, msg string) error { return &Error{Status: status, Reason: msg + whileHeaders} }
	if rl.hostEnd > 0 {
		n, _ := validHost(st.head[rl.hostStart:rl.hostEnd])
		req.Host = lowerString(head[rl.hostStart : rl.hostStart+n])
	} else if st.host != 0 {
		o := offs[st.host-1]
		n, _ := validHost(st.head[o.valStart:o.valEnd])
		req.Host = lowerString(head[o.valStart : o.valStart+n])
	}
	http11 := req.Major > 1 || req.Major == 1 && req.Minor >= 1
	if st.host == 0 && http11 {
		return headerErr(400, `client sent HTTP/1.1 request without "Host" header`)
	}
	if st.contentLength != 0 {
		v := value(st.contentLength)
		cl, err := strconv.ParseInt(v, 10, 64)
		if err != nil || v[0] == '+' || v[0] == '-' {
			return headerErr(400, `client sent invalid "Content-Length" header`)
		}
		req.ContentLength = cl
	}
	if st.transferEncoding != 0 {
		v := value(st.transferEncoding)
		switch {
		case !http11:
			return headerErr(400, `client sent HTTP/1.0 request with "Transfer-Encoding" header`)
		case !equalFold(v, "chunked"):
			return headerErr(501, fmt.Sprintf(`client sent unknown "Transfer-Encoding": "%s"`, v))
		case st.contentLength != 0:
			return headerErr(400, `client sent "Content-Length" and "Transfer-Encoding" headers at the same time`)
		}
		req.Chunked = true
	}
	switch st.connection {
	case 1:
		req.KeepAlive = false
	case 2:
		req.KeepAlive = true
	default:
		req.KeepAlive = http11
	}
	req.Expect100 = http11 && st.expect != 0 && equalFold(value(st.expect), "100-continue")
	switch req.Method {
	case "CONNECT", "TRACE":
		return headerErr(405, "client sent "+req.Method+" method")
	}
	if lim.MaxBodyBytes > 0 && req.ContentLength > lim.MaxBodyBytes {
		return &Error{Status: 413, Reason: fmt.Sprintf("client intended to send too large body: %d bytes", req.ContentLength)}
	}
	return nil
}

func fold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if fold(b[i:i+len(s)], s) {
			return true
		}
	}
	return false
}

// lowerString lowercases ASCII letters, allocating only when needed.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}
