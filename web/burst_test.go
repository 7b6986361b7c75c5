package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBurstRequestBytes: a plain-HTTP burst sends the bytes Send writes
// (the learner's headers as typed, no User-Agent, Host localhost) without
// Send's "Connection: close", so its connections carry several requests;
// the answer counts statuses and bodies.
func TestBurstRequestBytes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "%s %s ua=%q host=%s conn=%q x=%q", r.Method, r.URL.Path, r.UserAgent(), r.Host, r.Header.Get("Connection"), r.Header.Get("X-Lab"))
	}))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
	cpu := func() (time.Duration, error) { return 0, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	q := sendRequest{Method: "GET", Path: "/echo", Headers: [][2]string{{"X-Lab", "yes"}}, N: 40, C: 4}
	res := runBurst(ctx, port, cpu, q, 1, nil)
	want := `GET /echo ua="" host=localhost conn="" x="yes"`
	if res.OK != 40 || res.Errors != 0 || res.Statuses["200"] != 40 || len(res.Bodies) != 1 || res.Bodies[0] != (bodyCount{want, 40}) || len(res.LatenciesMS) != 40 {
		t.Fatalf("burst: %+v; want 40 of %q", res, want)
	}
	res = runBurst(ctx, port, cpu, sendRequest{Method: "GET", Path: "/missing", N: 3, C: 3}, 1, nil)
	if res.OK != 0 || res.Errors != 0 || res.Statuses["404"] != 3 {
		t.Fatalf("burst of 404s: %+v", res)
	}
	srv.Close()
	res = runBurst(ctx, port, cpu, sendRequest{Method: "GET", Path: "/gone", N: 3, C: 2}, 1, nil)
	if res.Errors != 3 || len(res.ErrorText) != 3 || !strings.HasPrefix(res.ErrorText[0], "GET /gone: connect 127.0.0.1:") || !strings.HasSuffix(res.ErrorText[0], "connection refused") {
		t.Fatalf("burst to a closed port: %+v", res)
	}
}

// TestBurstTLSFinish: a burst's TLS counts are copied when it ends; a
// handshake of a connection the Transport was still dialing (it may start
// one more than the burst needed) neither changes the answer being encoded
// nor counts.
func TestBurstTLSFinish(t *testing.T) {
	bt := newBurstTLS()
	cs := tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
	bt.verify(cs)
	got := bt.finish()
	done := make(chan struct{})
	go func() {
		defer close(done)
		bt.verify(cs) // late: after the burst's end
	}()
	if _, err := json.Marshal(got); err != nil {
		t.Fatal(err)
	}
	<-done
	if got.Handshakes != 1 || got.Versions["TLSv1.3"] != 1 || bt.Handshakes != 1 {
		t.Fatalf("answer %d handshakes %v, counts %d; want 1, 1 TLSv1.3, 1", got.Handshakes, got.Versions, bt.Handshakes)
	}
}
