package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// burstResult is the answer of /api/burst (docs/web.md).
type burstResult struct {
	N           int            `json:"n"`
	OK          int            `json:"ok"`
	Errors      int            `json:"errors"`
	ErrorText   []string       `json:"error_text,omitempty"`
	Statuses    map[string]int `json:"statuses"`
	Bodies      []bodyCount    `json:"bodies"`
	LatenciesMS []float64      `json:"latencies_ms"`
	WallMS      float64        `json:"wall_ms"`
	SumMS       float64        `json:"sum_ms"`
	Concurrency float64        `json:"concurrency"`
	BusyPct     float64        `json:"busy_pct"`
	Workers     int            `json:"workers"`
}

type bodyCount struct {
	Body  string `json:"body"`
	Count int    `json:"count"`
}

// burst fires N requests at concurrency C and summarises them.
func (s *Server) burst(w http.ResponseWriter, r *http.Request) {
	sess, q, ok := s.requestSpec(w, r)
	if !ok {
		return
	}
	if q.N < 1 || q.N > s.cfg.MaxBurst {
		jsonError(w, http.StatusBadRequest, fmt.Sprintf("n must be 1..%d", s.cfg.MaxBurst))
		return
	}
	if q.C < 1 || q.C > q.N {
		q.C = min(max(q.C, 1), q.N)
	}
	// One burst at a time per session: bursts run in the lab's process.
	if !sess.bursting.CompareAndSwap(false, true) {
		jsonError(w, http.StatusTooManyRequests, "a burst is already running for this session: wait for its results")
		return
	}
	defer sess.bursting.Store(false)
	in, err := s.instance(r.Context(), sess)
	if err != nil {
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	// the instance's own count, after the lab's caps: nginx.conf may ask
	// for more workers than run
	res := runBurst(ctx, in.Port(), in.CPUTime, q, max(in.Workers(), 1))
	if res.Errors > 0 {
		if reason := exitReason(in); reason != "" {
			res.ErrorText = append(res.ErrorText, "the instance ended: "+reason)
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// runBurst sends q.N requests with q.C in flight and measures them; cpu
// reads the instance's CPU time before and after.
func runBurst(ctx context.Context, port int, cpu func() (time.Duration, error), q sendRequest, workers int) burstResult {
	tr := &http.Transport{MaxIdleConnsPerHost: q.C, MaxConnsPerHost: q.C, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + q.Path

	type one struct {
		ms     float64
		status int
		body   string
		err    string
	}
	results := make([]one, q.N)
	next := make(chan int)
	var wg sync.WaitGroup
	cpu0, _ := cpu()
	start := time.Now()
	for range q.C {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, err := http.NewRequestWithContext(ctx, q.Method, url, strings.NewReader(q.Body))
				if err != nil {
					results[i].err = err.Error()
					continue
				}
				req.Host = "localhost"
				for _, h := range q.Headers {
					req.Header.Add(h[0], h[1])
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					results[i] = one{ms: msSince(t0), err: err.Error()}
					continue
				}
				body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
				drain(resp.Body)
				resp.Body.Close()
				results[i] = one{ms: msSince(t0), status: resp.StatusCode, body: string(body)}
				if err != nil {
					results[i].err = err.Error()
				}
			}
		}()
	}
	for i := range q.N {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	cpu1, err := cpu()
	used := cpu1 - cpu0
	if err != nil {
		used = 0
	}

	res := burstResult{N: q.N, Statuses: map[string]int{}, Workers: workers, WallMS: float64(wall.Microseconds()) / 1000}
	bodies := map[string]int{}
	for _, o := range results {
		res.LatenciesMS = append(res.LatenciesMS, o.ms)
		res.SumMS += o.ms
		if o.err != "" {
			res.Errors++
			if len(res.ErrorText) < 5 {
				res.ErrorText = append(res.ErrorText, o.err)
			}
			continue
		}
		res.Statuses[strconv.Itoa(o.status)]++
		if o.status >= 200 && o.status < 300 {
			res.OK++
		}
		bodies[o.body]++
	}
	for b, n := range bodies {
		res.Bodies = append(res.Bodies, bodyCount{Body: b, Count: n})
	}
	sort.Slice(res.Bodies, func(i, j int) bool {
		if res.Bodies[i].Count != res.Bodies[j].Count {
			return res.Bodies[i].Count > res.Bodies[j].Count
		}
		return res.Bodies[i].Body < res.Bodies[j].Body
	})
	if len(res.Bodies) > 20 {
		res.Bodies = res.Bodies[:20]
	}
	if res.WallMS > 0 {
		res.Concurrency = round2(res.SumMS / res.WallMS)
		res.BusyPct = round2(100 * float64(used) / float64(wall) / float64(workers))
	}
	res.SumMS = round2(res.SumMS)
	return res
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
