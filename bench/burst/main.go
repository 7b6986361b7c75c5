// Command burst is a one-shot load client for bench/run.sh: it opens N connections
// at once, then sends one HTTP/1.1 GET on each at the same moment, waits for every
// response and prints the wall time, the latency percentiles and the errors.
//
//	go run ./bench/burst -url http://127.0.0.1:8080/sleep -n 1000
//
// Phases: all N connections are dialled concurrently first (the dial time is reported
// separately), then a barrier releases every request at once; wall time runs from the
// release to the last complete response. Only the standard library is used.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"
)

type result struct {
	lat time.Duration
	err error
}

func main() {
	rawURL := flag.String("url", "http://127.0.0.1:8080/", "URL to GET (http only)")
	n := flag.Int("n", 1000, "number of concurrent connections, one request each")
	timeout := flag.Duration("timeout", 30*time.Second, "give up on a connection after this long")
	flag.Parse()

	u, err := url.Parse(*rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		fmt.Fprintf(os.Stderr, "burst: bad -url %q\n", *rawURL)
		os.Exit(2)
	}
	path := u.RequestURI()
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: restylab-burst\r\n\r\n")
	deadline := time.Now().Add(*timeout)

	// Phase 1: dial everything concurrently.
	conns := make([]net.Conn, *n)
	dialErr := make([]error, *n)
	var wg sync.WaitGroup
	dialStart := time.Now()
	for i := range *n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := net.Dialer{Deadline: deadline}
			conns[i], dialErr[i] = d.Dial("tcp", u.Host)
		}()
	}
	wg.Wait()
	dialDur := time.Since(dialStart)

	// Phase 2: release every request at once.
	results := make([]result, *n)
	release := make(chan struct{})
	var start time.Time
	for i := range *n {
		if dialErr[i] != nil {
			results[i].err = fmt.Errorf("dial: %w", dialErr[i])
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conns[i]
			defer c.Close()
			c.SetDeadline(deadline)
			<-release
			t0 := time.Now()
			if _, err := c.Write(req); err != nil {
				results[i].err = fmt.Errorf("write: %w", err)
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				results[i].err = fmt.Errorf("read: %w", err)
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				results[i].err = fmt.Errorf("body: %w", err)
				return
			}
			if resp.StatusCode != 200 {
				results[i].err = fmt.Errorf("status %d", resp.StatusCode)
				return
			}
			results[i].lat = time.Since(t0)
		}()
	}
	start = time.Now()
	close(release)
	wg.Wait()
	wall := time.Since(start)

	var lats []time.Duration
	errCount := map[string]int{}
	for _, r := range results {
		if r.err != nil {
			msg := r.err.Error()
			if len(msg) > 80 {
				msg = msg[:80]
			}
			errCount[msg]++
			continue
		}
		lats = append(lats, r.lat)
	}
	sort.Slice(lats, func(a, b int) bool { return lats[a] < lats[b] })
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		i := int(p*float64(len(lats)-1) + 0.5)
		return float64(lats[i].Microseconds()) / 1000
	}
	errs := *n - len(lats)
	// One machine-readable line first, then the error breakdown.
	fmt.Printf("n=%d ok=%d errors=%d dial_ms=%.1f wall_ms=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
		*n, len(lats), errs, ms(dialDur), ms(wall), pct(0.50), pct(0.99), pct(1))
	keys := make([]string, 0, len(errCount))
	for k := range errCount {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  error x%d: %s\n", errCount[k], k)
	}
	if errs > 0 {
		os.Exit(1)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
