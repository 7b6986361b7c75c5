package http1

import (
	"fmt"
	"math"
)

// BodyDecoder decodes a request body fed in arbitrary pieces: a
// Content-Length body or a chunked one (chunk extensions and trailers are
// accepted and dropped, as nginx does).
type BodyDecoder struct {
	chunked  bool
	max      int64 // 0 = unlimited
	remain   int64 // bytes left in the body (Content-Length) or current chunk
	received int64 // decoded bytes so far
	size     int64 // chunk size being read
	state    chunkState
	done     bool
}

type chunkState uint8

const (
	csSizeStart chunkState = iota
	csSize
	csExt
	csSizeLF
	csData
	csDataCR
	csDataLF
	csTrailer
	csTrailerLine
	csTrailerLF
	csLastLF
)

// NewBodyDecoder returns a decoder for req's body. A request with neither
// Content-Length nor chunked encoding has no body: the decoder starts done.
func NewBodyDecoder(req *Request, lim Limits) *BodyDecoder {
	d := &BodyDecoder{chunked: req.Chunked, max: lim.MaxBodyBytes}
	if !d.chunked {
		d.remain = max(req.ContentLength, 0)
		d.done = d.remain == 0
	}
	return d
}

// Done reports whether the whole body has been decoded.
func (d *BodyDecoder) Done() bool { return d.done }

// Received returns the number of body bytes decoded so far.
func (d *BodyDecoder) Received() int64 { return d.received }

func chunkedErr() *Error { return &Error{Status: 400, Reason: "client sent invalid chunked body"} }

// Feed consumes n bytes of buf and returns the body bytes they carried (data
// aliases buf). It stops right after one run of body data, so call it again
// with buf[n:] until n == len(buf) or done. Bytes after the body's end are not
// consumed (they are the next pipelined request). A malformed chunk gives a 400
// *Error and a chunk that takes the body past MaxBodyBytes a 413 one; the
// decoder must not be fed after an error.
func (d *BodyDecoder) Feed(buf []byte) (data []byte, n int, done bool, err error) {
	if !d.chunked {
		if d.done {
			return nil, 0, true, nil
		}
		n = int(min(int64(len(buf)), d.remain))
		d.remain -= int64(n)
		d.received += int64(n)
		d.done = d.remain == 0
		return buf[:n:n], n, d.done, nil
	}
	for n < len(buf) && !d.done {
		c := buf[n]
		switch d.state {
		case csData:
			k := int(min(int64(len(buf)-n), d.remain))
			data = buf[n : n+k : n+k]
			n += k
			d.remain -= int64(k)
			d.received += int64(k)
			if d.remain == 0 {
				d.state = csDataCR
			}
			return data, n, false, nil
		case csSizeStart, csSize:
			h, ok := unhex(c)
			switch {
			case ok:
				if d.size > math.MaxInt64/16 {
					return nil, n, false, chunkedErr()
				}
				d.size = d.size<<4 | int64(h)
				d.state = csSize
			case d.state == csSize && (c == ';' || c == ' ' || c == '\t'):
				d.state = csExt
			case d.state == csSize && c == '\r':
				d.state = csSizeLF
			case d.state == csSize && c == '\n':
				if err := d.sizeDone(); err != nil {
					return nil, n, false, err
				}
			default:
				return nil, n, false, chunkedErr()
			}
		case csExt:
			switch c {
			case '\r':
				d.state = csSizeLF
			case '\n':
				if err := d.sizeDone(); err != nil {
					return nil, n, false, err
				}
			}
		case csSizeLF:
			if c != '\n' {
				return nil, n, false, chunkedErr()
			}
			if err := d.sizeDone(); err != nil {
				return nil, n, false, err
			}
		case csDataCR, csDataLF:
			switch {
			case c == '\n':
				d.state = csSizeStart
			case c == '\r' && d.state == csDataCR:
				d.state = csDataLF
			default:
				return nil, n, false, chunkedErr()
			}
		case csTrailer:
			switch c {
			case '\r':
				d.state = csLastLF
			case '\n':
				d.done = true
			default:
				d.state = csTrailerLine
			}
		case csTrailerLine:
			switch c {
			case '\r':
				d.state = csTrailerLF
			case '\n':
				d.state = csTrailer
			}
		case csTrailerLF, csLastLF:
			if c != '\n' {
				return nil, n, false, chunkedErr()
			}
			if d.state == csLastLF {
				d.done = true
			} else {
				d.state = csTrailer
			}
		}
		n++
	}
	return nil, n, d.done, nil
}

// sizeDone ends a chunk-size line: the last chunk leads to the trailers,
// others to their data after the body size check nginx makes per chunk.
func (d *BodyDecoder) sizeDone() error {
	size := d.size
	d.size = 0
	if size > math.MaxInt64-16 {
		return chunkedErr()
	}
	if size == 0 {
		d.state = csTrailer
		return nil
	}
	if d.max > 0 && d.received+size > d.max {
		return &Error{Status: 413, Reason: fmt.Sprintf("client intended to send too large chunked body: %d+%d bytes", d.received, size)}
	}
	d.remain = size
	d.state = csData
	return nil
}
