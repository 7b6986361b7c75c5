package http1

import (
	"reflect"
	"testing"
)

// Seeds live in testdata/fuzz/; the parse table adds more.
func FuzzParseRequest(f *testing.F) {
	for _, tc := range parseCases {
		if len(tc.raw) < 1000 {
			f.Add([]byte(tc.raw), uint16(len(tc.raw)/2))
		}
	}
	lim := Limits{MaxBodyBytes: 100, MaxHeaderBytes: 256, HeaderBufferSize: 64}
	f.Fuzz(func(t *testing.T, raw []byte, cut uint16) {
		wreq, wn, werr := ParseRequest(raw, lim)
		if wn < 0 || wn > len(raw) || (wreq == nil) != (wn == 0) {
			t.Fatalf("inconsistent result: %v %d %v", wreq, wn, werr)
		}
		c := int(cut) % (len(raw) + 1)
		req, n, err := feedSplit(raw, c, lim)
		if !reflect.DeepEqual(req, wreq) || n != wn || !reflect.DeepEqual(err, werr) {
			t.Fatalf("cut %d: got (%+v, %d, %v), whole gives (%+v, %d, %v)", c, req, n, err, wreq, wn, werr)
		}
		if wreq != nil {
			if u, err := NormalizeURI(wreq.Path); err != nil || u != wreq.URI {
				t.Fatalf("NormalizeURI(%q) = %q, %v; URI %q", wreq.Path, u, err, wreq.URI)
			}
		}
	})
}

func FuzzBodyDecoder(f *testing.F) {
	f.Add([]byte("3\r\nabc\r\n0\r\n\r\n"), true, uint8(1))
	f.Add([]byte("3;x\nabc\n0\nT: 1\n\n"), true, uint8(2))
	f.Add([]byte("abcdef"), false, uint8(3))
	f.Fuzz(func(t *testing.T, body []byte, chunked bool, step uint8) {
		req := &Request{Chunked: chunked, ContentLength: 4}
		lim := Limits{MaxBodyBytes: 64}
		whole, wn, werr := decodeAll(t, req, lim, string(body), 0)
		got, n, err := decodeAll(t, req, lim, string(body), int(step%16)+1)
		if whole != got || wn != n || !reflect.DeepEqual(err, werr) {
			t.Fatalf("step %d: (%q, %d, %v), whole (%q, %d, %v)", step, got, n, err, whole, wn, werr)
		}
		if int64(len(got)) > lim.MaxBodyBytes {
			t.Fatalf("decoded %d bytes past the limit", len(got))
		}
	})
}
