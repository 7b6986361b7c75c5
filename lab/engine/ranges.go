package engine

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/lualib"
)

// byteRange is one satisfiable range: bytes [start, end) of the body.
type byteRange struct{ start, end int64 }

// rangeState is what the range header filter decided for a response the
// body filter (rangeBody) cuts: one part, or several in a
// multipart/byteranges body.
type rangeState struct {
	parts    []byteRange
	size     int64  // the whole body's length
	boundary string // multipart only: "\r\n--B\r\nContent-Type: T\r\nContent-Range: bytes "
	last     string // multipart only: "\r\n--B--\r\n"
}

// boundaryCounter numbers multipart boundaries as nginx's temp numbers do:
// from a random start, one more each time.
var boundaryCounter atomic.Uint64

func init() { boundaryCounter.Store(uint64(rand.Int63n(123456))) }

// rangeOutcome is what parsing a Range header gives.
type rangeOutcome int

const (
	rangesOK          rangeOutcome = iota
	rangesDeclined                 // serve the whole body
	rangesUnsatisfied              // 416
)

// rangeHeaderFilter is nginx's range header filter for a main response
// whose handler allows ranges (a static file) with status 200 and a known
// length: a Range header of "bytes=" ranges (If-Range permitting) turns it
// into 206 with one part or a multipart/byteranges body, 416 when no range
// is satisfiable; otherwise the response goes out whole with
// "Accept-Ranges: bytes" (not with max_ranges 0).
func (r *request) rangeHeaderFilter() {
	if !r.allowRanges || r.sub != nil || r.status != 200 {
		return
	}
	v, ok := r.headerOut("Content-Length")
	if !ok {
		return
	}
	size, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return
	}
	maxRanges := r.respSettings().MaxRanges
	if maxRanges == 0 {
		return
	}
	spec, has := r.requestHeader("range")
	if has && len(spec) >= 7 && strings.EqualFold(spec[:6], "bytes=") && r.ifRangeAllows() {
		if maxRanges < 0 {
			maxRanges = math.MaxInt32
		}
		parts, outcome := parseRanges(spec[6:], size, maxRanges)
		switch outcome {
		case rangesOK:
			r.partialContent(parts, size)
			return
		case rangesUnsatisfied:
			r.rangeNotSatisfiable(size)
			return
		}
	}
	r.setHeader("Accept-Ranges", []string{"bytes"})
}

// ifRangeAllows is nginx's If-Range test: a quoted value must equal the
// ETag byte for byte, any other value must be the Last-Modified date.
func (r *request) ifRangeAllows() bool {
	v, ok := r.requestHeader("if-range")
	if !ok {
		return true
	}
	if len(v) >= 2 && v[len(v)-1] == '"' {
		etag, has := r.headerOut("ETag")
		return has && etag == v
	}
	lm, has := r.lastModifiedTime()
	if !has {
		return false
	}
	t, valid := lualib.ParseHTTPTime(v)
	return valid && t == lm
}

// parseRanges reads the list after "bytes=" as nginx's
// ngx_http_range_parse does: "S-E", "S-" and "-N" separated by commas,
// spaces allowed around the numbers; ranges past the end are cut, ranges
// starting after it dropped. More than max ranges, or ranges that add up to
// more than the body, serve the whole body; nothing satisfiable is 416.
func parseRanges(s string, size int64, max int) ([]byteRange, rangeOutcome) {
	var parts []byteRange
	var total int64
	p := 0
	at := func() byte { // the header as a NUL-terminated string
		if p < len(s) {
			return s[p]
		}
		return 0
	}
	spaces := func() {
		for at() == ' ' {
			p++
		}
	}
	number := func() (int64, bool) {
		if c := at(); c < '0' || c > '9' {
			return 0, false
		}
		var n int64
		for c := at(); c >= '0' && c <= '9'; c = at() {
			if n > (math.MaxInt64-int64(c-'0'))/10 {
				return 0, false
			}
			n = n*10 + int64(c-'0')
			p++
		}
		return n, true
	}
	for {
		var start, end int64
		spaces()
		ok := true
		if at() != '-' {
			if start, ok = number(); !ok {
				return nil, rangesUnsatisfied
			}
			spaces()
			if at() != '-' {
				return nil, rangesUnsatisfied
			}
			p++
			spaces()
			if c := at(); c == ',' || c == 0 {
				end = size
				goto found
			}
			if end, ok = number(); !ok {
				return nil, rangesUnsatisfied
			}
		} else {
			p++
			if end, ok = number(); !ok {
				return nil, rangesUnsatisfied
			}
			start = 0
			if end < size {
				start = size - end
			}
			end = size - 1
		}
		spaces()
		if c := at(); c != ',' && c != 0 {
			return nil, rangesUnsatisfied
		}
		if end >= size {
			end = size
		} else {
			end++
		}
	found:
		if start < end {
			parts = append(parts, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return nil, rangesUnsatisfied
			}
			total += end - start
			if max == 0 {
				return nil, rangesDeclined
			}
			max--
		} else if start == 0 {
			return nil, rangesDeclined
		}
		if at() != ',' {
			break
		}
		p++
	}
	if len(parts) == 0 {
		return nil, rangesUnsatisfied
	}
	if total > size {
		return nil, rangesDeclined
	}
	return parts, rangesOK
}

// partialContent makes the response a 206: one part gets Content-Range and
// its own length; several get a multipart/byteranges type, whose boundary
// is a 20-digit number as nginx prints its temp numbers.
func (r *request) partialContent(parts []byteRange, size int64) {
	r.status = 206
	st := &rangeState{parts: parts, size: size}
	r.ranges = st
	if len(parts) == 1 {
		p := parts[0]
		r.setHeader("Content-Range", []string{fmt.Sprintf("bytes %d-%d/%d", p.start, p.end-1, size)})
		r.setHeader("Content-Length", []string{strconv.FormatInt(p.end-p.start, 10)})
		return
	}
	ct, ok := r.headerOut("Content-Type")
	if !ok && !r.ctCleared {
		ct = r.defaultType()
	}
	b := fmt.Sprintf("%020d", boundaryCounter.Add(1))
	st.boundary = "\r\n--" + b + "\r\n"
	if ct != "" {
		st.boundary += "Content-Type: " + ct + "\r\n"
	}
	st.boundary += "Content-Range: bytes "
	st.last = "\r\n--" + b + "--\r\n"
	n := int64(len(st.last))
	for _, p := range parts {
		n += int64(len(st.boundary)+len(partRange(p, size))) + p.end - p.start
	}
	r.ctCleared = false
	r.setHeader("Content-Type", []string{"multipart/byteranges; boundary=" + b})
	r.setHeader("Content-Length", []string{strconv.FormatInt(n, 10)})
}

// partRange is the rest of a part's header: "S-E/SIZE\r\n\r\n".
func partRange(p byteRange, size int64) string {
	return fmt.Sprintf("%d-%d/%d\r\n\r\n", p.start, p.end-1, size)
}

// rangeNotSatisfiable answers 416 as nginx does: its error page with
// "Content-Range: bytes */SIZE", without the file's ETag and Last-Modified.
func (r *request) rangeNotSatisfiable(size int64) {
	page := http1.ErrorPage(416)
	r.status = 416
	for _, h := range []string{"ETag", "Last-Modified", "Accept-Ranges", "Content-Type"} {
		r.setHeader(h, nil)
	}
	r.ctCleared = false
	r.setHeader("Content-Type", []string{"text/html"})
	r.setHeader("Content-Length", []string{strconv.Itoa(len(page))})
	r.setHeader("Content-Range", []string{fmt.Sprintf("bytes */%d", size)})
	r.headOnly = true
	if r.method != "HEAD" {
		r.exitPage = page
	}
}

// rangeBody is the range body filter for a whole body in memory: the body
// of the parts the header filter chose (data itself when it chose none).
func (r *request) rangeBody(data []byte) []byte {
	st := r.ranges
	if st == nil || int64(len(data)) != st.size {
		return data
	}
	if len(st.parts) == 1 {
		return data[st.parts[0].start:st.parts[0].end]
	}
	var b []byte
	for _, p := range st.parts {
		b = append(b, st.boundary...)
		b = append(b, partRange(p, st.size)...)
		b = append(b, data[p.start:p.end]...)
	}
	return append(b, st.last...)
}
