package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkBurstClients: one burst of 50 requests at concurrency 10 (the
// classroom's) and one of 200 at 200, with the lab's load generator
// (runBurst's plain HTTP path, web/loadgen) and with net/http's Transport
// (its TLS path, used for plain HTTP before), against an in-process
// server whose cost both share: the difference per op is the client's.
func BenchmarkBurstClients(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello\n") }))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
	cpu := func() (time.Duration, error) { return 0, nil }
	for _, shape := range []struct{ n, c int }{{50, 10}, {200, 200}} {
		q := sendRequest{Method: "GET", Path: "/", N: shape.n, C: shape.c}
		b.Run(fmt.Sprintf("loadgen/n%d-c%d", shape.n, shape.c), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if res := runBurst(context.Background(), port, cpu, q, 1, nil); res.OK != shape.n {
					b.Fatalf("%d ok of %d: %v", res.OK, shape.n, res.ErrorText)
				}
			}
		})
		b.Run(fmt.Sprintf("transport/n%d-c%d", shape.n, shape.c), func(b *testing.B) {
			burstViaTransport = true
			defer func() { burstViaTransport = false }()
			for i := 0; i < b.N; i++ {
				if res := runBurst(context.Background(), port, cpu, q, 1, nil); res.OK != shape.n {
					b.Fatalf("%d ok of %d: %v", res.OK, shape.n, res.ErrorText)
				}
			}
		})
	}
}
