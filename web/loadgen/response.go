package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// How a response's body ends (RFC 9112 section 6.3).
const (
	bodyNone    uint8 = iota // HEAD, 1xx, 204, 304
	bodyLength               // Content-Length
	bodyChunked              // Transfer-Encoding: chunked
	bodyEOF                  // when the server closes the connection
)

// States of the chunked decoder.
const (
	chSize    uint8 = iota // hex digits of a chunk's size
	chExt                  // a chunk extension, up to the line's end
	chSizeLF               // the LF after the size line's CR
	chData                 // the chunk's bytes
	chDataCR               // the CRLF after them
	chDataLF               //
	chTrailer              // trailer lines up to an empty one
)

// response is the incremental parser of one response, fed the bytes as
// they are read. Its buffers are kept from one response to the next.
type response struct {
	head    bool   // the request was HEAD: no body
	hbuf    []byte // the head so far, when it spans reads
	got     bool   // a byte of a response (interim ones too) came
	inBody  bool
	status  int
	minor   int  // HTTP/1.minor
	close   bool // Connection: close, or a body that ends with the connection
	keep10  bool // Connection: keep-alive (for HTTP/1.0)
	mode    uint8
	left    int64 // bytes left: of the body (bodyLength) or of the chunk
	cl      int64 // Content-Length, -1 none
	ch      uint8 // chunked decoder state
	digits  int
	lineLen int
	kept    []byte // the start of the body
	total   int64
	cut     bool // the body went past KeepBody+DrainBody: not read to its end
}

func (r *response) reset(head bool) {
	*r = response{head: head, hbuf: r.hbuf[:0], kept: r.kept[:0]}
}

// started tells whether any byte of a response came.
func (r *response) started() bool { return r.got }

// keepAlive tells whether the connection may carry the next request.
func (r *response) keepAlive() bool {
	return !r.close && !r.cut && (r.minor >= 1 || r.keep10) && r.status != 101
}

// body returns the kept start of the body, reusing last when it holds the
// same bytes (a burst's responses are mostly alike).
func (r *response) body(last *string) string {
	if string(r.kept) == *last {
		return *last
	}
	*last = string(r.kept)
	return *last
}

// errHeadTooLarge is the failure of a response whose head passes maxHead.
var errHeadTooLarge = fmt.Errorf("the response's header is larger than %d KiB", maxHead>>10)

// errMidResponse is the failure of a connection closed in a response.
var errMidResponse = fmt.Errorf("the connection closed in the middle of a response: %w", io.ErrUnexpectedEOF)

// eof handles the end of the stream: the end of a body that runs to it,
// or a failure.
func (r *response) eof() (bool, error) {
	switch {
	case !r.got:
		return false, ErrNoResponse
	case r.inBody && r.mode == bodyEOF:
		return true, nil
	}
	return false, errMidResponse
}

// feed parses the next bytes read; done when the final response has
// ended (bytes after it are ignored: requests are not pipelined).
func (r *response) feed(b []byte) (done bool, err error) {
	if len(b) > 0 {
		r.got = true
	}
	for len(b) > 0 {
		if !r.inBody {
			n, err := r.headPart(b)
			if err != nil || n < 0 {
				return false, err
			}
			b = b[n:]
			if r.status < 200 && r.status != 101 {
				// 100 Continue, 103 Early Hints: the final response follows
				*r = response{head: r.head, got: true, hbuf: r.hbuf[:0], kept: r.kept[:0]}
				continue
			}
			if r.mode == bodyNone || (r.mode == bodyLength && r.left == 0) {
				return true, nil
			}
			r.inBody = true
			continue
		}
		n, done, err := r.bodyPart(b)
		if err != nil || done {
			return done, err
		}
		b = b[n:]
	}
	return false, nil
}

// headPart takes the head's bytes from b: the number used, or -1 when the
// head has not ended yet (all of b kept). A head must end within maxHead
// bytes; no more than that is ever kept.
func (r *response) headPart(b []byte) (int, error) {
	if len(r.hbuf) == 0 {
		if end := headEnd(b[:min(len(b), maxHead)], 0); end >= 0 {
			return end, r.parseHead(b[:end])
		}
		if len(b) >= maxHead {
			return 0, errHeadTooLarge
		}
		r.hbuf = append(r.hbuf, b...)
		return -1, nil
	}
	from := max(len(r.hbuf)-2, 0)
	kept := len(r.hbuf)
	take := min(len(b), maxHead-kept)
	r.hbuf = append(r.hbuf, b[:take]...)
	end := headEnd(r.hbuf, from)
	if end < 0 {
		if len(r.hbuf) >= maxHead {
			return 0, errHeadTooLarge
		}
		return -1, nil
	}
	err := r.parseHead(r.hbuf[:end])
	r.hbuf = r.hbuf[:0]
	return end - kept, err
}

// headEnd finds the empty line that ends a head (CRLF CRLF, or bare LFs)
// at or after from: the index after it, or -1.
func headEnd(p []byte, from int) int {
	for i := from; i < len(p); {
		j := bytes.IndexByte(p[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		if i < len(p) && p[i] == '\n' {
			return i + 1
		}
		if i+1 < len(p) && p[i] == '\r' && p[i+1] == '\n' {
			return i + 2
		}
	}
	return -1
}

// parseHead reads the status line and the header lines the body's length
// and the connection's reuse depend on.
func (r *response) parseHead(h []byte) error {
	line, rest := cutLine(h)
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || !isDigit(line[7]) || line[8] != ' ' ||
		!isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) || (len(line) > 12 && line[12] != ' ') {
		return fmt.Errorf("malformed status line %.60q", line)
	}
	r.minor = int(line[7] - '0')
	r.status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	r.cl = -1
	chunked, coded := false, false
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return fmt.Errorf("malformed header line %.60q", line)
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			if !ok || (r.cl >= 0 && r.cl != n) {
				return fmt.Errorf("malformed Content-Length %.40q", value)
			}
			r.cl = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			coded = true
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = bytes.Trim(value[i+1:], " \t")
			}
			chunked = bytes.EqualFold(last, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			for _, tok := range bytes.Split(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				r.close = r.close || bytes.EqualFold(tok, []byte("close"))
				r.keep10 = r.keep10 || bytes.EqualFold(tok, []byte("keep-alive"))
			}
		}
	}
	switch {
	case r.head || r.status < 200 || r.status == 204 || r.status == 304:
		r.mode = bodyNone
		if r.status == 101 {
			r.close = true
		}
	case chunked:
		r.mode = bodyChunked
	case coded: // a coding without chunked last: the body runs to the close
		r.mode, r.close = bodyEOF, true
	case r.cl >= 0:
		r.mode, r.left = bodyLength, r.cl
	default:
		r.mode, r.close = bodyEOF, true
	}
	return nil
}

func cutLine(p []byte) (line, rest []byte) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		return p, nil
	}
	line, rest = p[:i], p[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// sink takes body bytes: the first KeepBody kept. done when the body went
// past the bound of what is read (the connection is then closed).
func (r *response) sink(p []byte) (done bool) {
	if room := KeepBody - len(r.kept); room > 0 {
		r.kept = append(r.kept, p[:min(room, len(p))]...)
	}
	r.total += int64(len(p))
	if r.total > KeepBody+DrainBody {
		r.cut = true
		return true
	}
	return false
}

// bodyPart takes body bytes from b: the number used and whether the body
// has ended.
func (r *response) bodyPart(b []byte) (int, bool, error) {
	switch r.mode {
	case bodyLength:
		n := int(min(r.left, int64(len(b))))
		r.left -= int64(n)
		cut := r.sink(b[:n])
		return n, r.left == 0 || cut, nil
	case bodyEOF:
		return len(b), r.sink(b), nil
	}
	return r.chunked(b)
}

// chunked decodes the chunked coding (RFC 9112 section 7.1).
func (r *response) chunked(b []byte) (int, bool, error) {
	bad := func(c byte) error { return fmt.Errorf("malformed chunked body: unexpected %q", c) }
	for i := 0; i < len(b); {
		c := b[i]
		switch r.ch {
		case chSize:
			switch v := hexVal(c); {
			case v >= 0:
				if r.digits == 15 {
					return i, false, errors.New("malformed chunked body: a chunk size too large")
				}
				r.left = r.left<<4 | int64(v)
				r.digits++
			case c == ';' || c == ' ' || c == '\t':
				r.ch = chExt
			case c == '\r':
				r.ch = chSizeLF
			case c == '\n':
				if err := r.sizeLine(); err != nil {
					return i, false, err
				}
			default:
				return i, false, bad(c)
			}
			i++
		case chExt, chSizeLF:
			if c == '\n' {
				if err := r.sizeLine(); err != nil {
					return i, false, err
				}
			} else if r.ch == chSizeLF {
				return i, false, bad(c)
			}
			i++
		case chData:
			n := int(min(r.left, int64(len(b)-i)))
			r.left -= int64(n)
			if r.sink(b[i : i+n]) {
				return i + n, true, nil
			}
			i += n
			if r.left == 0 {
				r.ch = chDataCR
			}
		case chDataCR, chDataLF:
			switch {
			case c == '\r' && r.ch == chDataCR:
				r.ch = chDataLF
			case c == '\n':
				r.ch, r.left, r.digits = chSize, 0, 0
			default:
				return i, false, bad(c)
			}
			i++
		case chTrailer:
			i++
			switch c {
			case '\n':
				if r.lineLen == 0 {
					return i, true, nil
				}
				r.lineLen = 0
			case '\r':
			default:
				r.lineLen++
			}
		}
	}
	return len(b), false, nil
}

// sizeLine ends a chunk's size line: its data, or the trailer after the
// last chunk.
func (r *response) sizeLine() error {
	if r.digits == 0 {
		return errors.New("malformed chunked body: a chunk without a size")
	}
	if r.left == 0 {
		r.ch, r.lineLen = chTrailer, 0
	} else {
		r.ch = chData
	}
	return nil
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
