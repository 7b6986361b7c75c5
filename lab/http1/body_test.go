package http1

import (
	"errors"
	"strings"
	"testing"
)

// decodeAll feeds body to a decoder in pieces of step bytes (0: whole) and
// returns the decoded body, the bytes consumed and the error.
func decodeAll(t *testing.T, req *Request, lim Limits, body string, step int) (string, int, error) {
	t.Helper()
	d := NewBodyDecoder(req, lim)
	var out strings.Builder
	consumed := 0
	for consumed < len(body) && !d.Done() {
		end := len(body)
		if step > 0 {
			end = min(consumed+step, len(body))
		}
		buf := []byte(body[consumed:end])
		for len(buf) > 0 && !d.Done() {
			data, n, _, err := d.Feed(buf)
			out.Write(data)
			consumed += n
			if err != nil {
				return out.String(), consumed, err
			}
			buf = buf[n:]
		}
	}
	if !d.Done() {
		return out.String(), consumed, errIncomplete
	}
	return out.String(), consumed, nil
}

func TestBodyDecoder(t *testing.T) {
	chunked := &Request{Chunked: true, ContentLength: -1}
	lim := Limits{MaxBodyBytes: 100}
	cases := []struct {
		name, body, want string
		req              *Request
		rest             int // bytes after the body, not consumed
		status           int
		reason           string
	}{
		{name: "length", req: &Request{ContentLength: 3}, body: "abcGET", want: "abc", rest: 3},
		{name: "no body", req: &Request{ContentLength: -1}, body: "GET", rest: 3},
		{name: "chunks", req: chunked, body: "3\r\nabc\r\n0\r\n\r\n", want: "abc"},
		{name: "extensions", req: chunked, body: "3;ext=1;b\r\nabc\r\n0;x\r\n\r\n", want: "abc"},
		{name: "space ext", req: chunked, body: "3 ;ext\r\nabc\r\n0\r\n\r\n", want: "abc"},
		{name: "bare LF", req: chunked, body: "3\nabc\n0\n\nNEXT", want: "abc", rest: 4},
		{name: "trailers", req: chunked, body: "3\r\nabc\r\n0\r\nT: x\r\nbad trailer\r\n\r\n", want: "abc"},
		{name: "upper hex", req: chunked, body: "A\r\n0123456789\r\n000\r\n\r\n", want: "0123456789"},
		{name: "many", req: chunked, body: "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", want: "abcdef"},
		{name: "data too long", req: chunked, body: "3\r\nabcX\r\n0\r\n\r\n", status: 400, reason: "client sent invalid chunked body"},
		{name: "bad size", req: chunked, body: "g\r\n", status: 400},
		{name: "empty size", req: chunked, body: "\r\nabc\r\n", status: 400},
		{name: "0x", req: chunked, body: "0x3\r\nabc\r\n", status: 400},
		{name: "CR no LF", req: chunked, body: "3\rabc\r\n", status: 400},
		{name: "overflow", req: chunked, body: "ffffffffffffffffff\r\n", status: 400},
		{name: "max int", req: chunked, body: "7fffffffffffffff\r\n", status: 400},
		{name: "extra CRLF", req: chunked, body: "3\r\nabc\r\n\r\n0\r\n\r\n", status: 400},
		{name: "too large", req: chunked, body: "65\r\n", status: 413, reason: "client intended to send too large chunked body: 0+101 bytes"},
		{name: "too large sum", req: chunked, body: "32\r\n" + strings.Repeat("a", 50) + "\r\n33\r\n", status: 413, reason: "50+51 bytes"},
		{name: "at limit", req: chunked, body: "64\r\n" + strings.Repeat("a", 100) + "\r\n0\r\n\r\n", want: strings.Repeat("a", 100)},
	}
	for _, tc := range cases {
		for _, step := range []int{0, 1, 2, 5} {
			got, n, err := decodeAll(t, tc.req, lim, tc.body, step)
			if tc.status != 0 {
				var e *Error
				if !errors.As(err, &e) || e.Status != tc.status || !strings.Contains(e.Reason, tc.reason) {
					t.Errorf("%s/step %d: err = %v, want %d %q", tc.name, step, err, tc.status, tc.reason)
				}
				continue
			}
			if err != nil || got != tc.want || n != len(tc.body)-tc.rest {
				t.Errorf("%s/step %d: got %q, n=%d, %v; want %q, n=%d", tc.name, step, got, n, err, tc.want, len(tc.body)-tc.rest)
			}
		}
	}
}
