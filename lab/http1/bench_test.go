package http1

import "testing"

// typical is a 400-byte browser-like request.
var typical = []byte("GET /api/v1/items?id=42&sort=desc HTTP/1.1\r\n" +
	"Host: lab.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef0123456789abcdef\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"Cache-Control: max-age=0\r\n\r\n")

func BenchmarkParseRequest(b *testing.B) {
	b.SetBytes(int64(len(typical)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRequest(typical, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRequestInto(b *testing.B) {
	var req Request
	b.SetBytes(int64(len(typical)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequestInto(&req, typical, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
