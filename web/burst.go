package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/web/loadgen"
)

// burstResult is the answer of /api/burst (docs/web.md). The figures
// inside the server come from the trace of the burst's own window, never
// from the client's latencies: sum(latency)/wall counts the time requests
// wait for the worker as if they ran at once.
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
	CPUPct      float64        `json:"cpu_pct"`
	Workers     int            `json:"workers"`
	// TLS counts the handshakes of a burst over HTTPS (nil for HTTP).
	TLS *burstTLS `json:"tls,omitempty"`
	burstFigures
}

// burstFigures are the burst's figures measured from its trace (the
// definitions are docs/web.md's).
type burstFigures struct {
	Traced         int     `json:"traced"` // requests the trace saw start and end
	InProgressPeak int     `json:"in_progress_peak"`
	InProgressMean float64 `json:"in_progress_mean"`
	InWorkerMSMean float64 `json:"in_worker_ms_mean"`
	QueuedMSMean   float64 `json:"queued_ms_mean"`
	WorkerBusyPct  float64 `json:"worker_busy_pct"`
	TraceWindowMS  float64 `json:"trace_window_ms"`
	TraceDropped   int64   `json:"trace_dropped"`
	// TraceError says why there are no figures (the instance ended...).
	TraceError string `json:"trace_error,omitempty"`
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
	// One burst or check at a time per session: bursts run in the lab's
	// process, and their figures need the instance alone.
	if !sess.busy.CompareAndSwap(false, true) {
		jsonError(w, http.StatusTooManyRequests, "a burst or a check is already running for this session: wait for its results")
		return
	}
	defer sess.busy.Store(false)
	in, err := s.instance(r.Context(), sess)
	if err != nil {
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	addr, err := pickAddress(in, q.Listen)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	// the instance's own count, after the lab's caps: nginx.conf may ask
	// for more workers than run
	workers := max(in.Workers(), 1)
	rec, recErr := in.Record(ctx)
	var bt *burstTLS
	if q.useTLS(addr.SSL) {
		bt = newBurstTLS()
	}
	res := runBurst(ctx, addr.Port, in.CPUTime, q, workers, bt)
	if recErr == nil {
		win, err := rec.Stop(ctx)
		if err != nil {
			res.TraceError = err.Error()
		} else {
			fig := trace.Measure(win.Events, workers)
			fig.Dropped += win.Dropped
			res.burstFigures = figuresOf(fig, res)
		}
	} else {
		res.TraceError = recErr.Error()
	}
	if res.Errors > 0 {
		if reason := exitReason(in); reason != "" {
			res.ErrorText = append(res.ErrorText, "the instance ended: "+reason)
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// burstViaTransport sends plain HTTP bursts through net/http's Transport
// as TLS ones are (BenchmarkBurstClients compares the two; never set
// otherwise).
var burstViaTransport = false

// runBurst sends q.N requests with q.C in flight and measures them; cpu
// reads the instance's CPU time before and after. Plain HTTP goes through
// the lab's own load generator (web/loadgen: q.C keep-alive connections on
// one event loop, the request's bytes as Send writes them). With bt, the requests
// go through net/http's Transport over TLS (SNI q.SNI; with q.Resume the burst's connections resume
// each other's sessions) and bt counts the handshakes.
func runBurst(ctx context.Context, port int, cpu func() (time.Duration, error), q sendRequest, workers int, bt *burstTLS) burstResult {
	cpu0, _ := cpu()
	start := time.Now()
	var results []burstOne
	if bt == nil && !burstViaTransport {
		results = burstLoadgen(ctx, port, q)
	} else {
		results = burstTransport(ctx, port, q, bt)
	}
	wall := time.Since(start)
	cpu1, err := cpu()
	used := cpu1 - cpu0
	if err != nil {
		used = 0
	}

	res := burstResult{N: q.N, Statuses: map[string]int{}, Workers: workers, WallMS: float64(wall.Microseconds()) / 1000}
	if bt != nil {
		res.TLS = bt.finish()
	}
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
		res.CPUPct = round2(100 * float64(used) / float64(wall) / float64(workers))
	}
	res.SumMS = round2(res.SumMS)
	return res
}

// burstOne is one request of a burst: its latency, and its status and the
// start of its body or why it failed.
type burstOne struct {
	ms     float64
	status int
	body   string
	err    string
}

// burstLoadgen sends a plain-HTTP burst from the lab's load generator.
func burstLoadgen(ctx context.Context, port int, q sendRequest) []burstOne {
	results := make([]burstOne, q.N)
	plan := loadgen.Plan{
		Addr:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port)),
		Request: q.wire(false),
		Head:    q.Method == http.MethodHead,
		N:       q.N,
		C:       q.C,
	}
	out, err := loadgen.Run(ctx, plan)
	for i := range results {
		switch {
		case err != nil:
			results[i].err = err.Error()
		case out[i].Err != nil:
			results[i] = burstOne{ms: ms(out[i].Latency), err: q.Method + " " + q.Path + ": " + out[i].Err.Error()}
		default:
			results[i] = burstOne{ms: ms(out[i].Latency), status: out[i].Status, body: out[i].Body}
		}
	}
	return results
}

// burstTransport sends a burst through net/http's Transport, q.C
// goroutines each with a connection; with bt, over TLS (SNI q.SNI; with
// q.Resume the connections resume each other's sessions), bt counting the
// handshakes.
func burstTransport(ctx context.Context, port int, q sendRequest, bt *burstTLS) []burstOne {
	tr := &http.Transport{MaxIdleConnsPerHost: q.C, MaxConnsPerHost: q.C, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + q.Path
	if bt != nil {
		var cache tls.ClientSessionCache
		if q.Resume {
			cache = tls.NewLRUClientSessionCache(4)
		}
		tr.TLSClientConfig = clientTLS(q.SNI, cache)
		tr.TLSClientConfig.NextProtos = nil // the transport speaks HTTP/1.1 only unless told otherwise
		tr.TLSClientConfig.VerifyConnection = bt.verify
		tr.ForceAttemptHTTP2 = false
		url = "https://127.0.0.1:" + strconv.Itoa(port) + q.Path
	}
	results := make([]burstOne, q.N)
	next := make(chan int)
	var wg sync.WaitGroup
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
				req.Host = q.host()
				for _, h := range q.Headers {
					if strings.EqualFold(h[0], "Host") {
						req.Host = h[1] // net/http takes Host from here only
						continue
					}
					req.Header.Add(h[0], h[1])
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					results[i] = burstOne{ms: msSince(t0), err: err.Error()}
					continue
				}
				body, err := io.ReadAll(io.LimitReader(resp.Body, loadgen.KeepBody))
				drain(resp.Body)
				resp.Body.Close()
				results[i] = burstOne{ms: msSince(t0), status: resp.StatusCode, body: string(body)}
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
	return results
}

// figuresOf turns the trace's figures into the burst's. The time a request
// waited outside the worker (for the worker to accept or read it, and on
// the network) is the client's mean latency less the mean time in the
// worker: means add, so requests need not be matched one by one.
func figuresOf(f trace.Figures, res burstResult) burstFigures {
	b := burstFigures{
		Traced:         f.Requests,
		InProgressPeak: f.InProgressPeak,
		InProgressMean: round2(f.InProgressMean),
		InWorkerMSMean: round2(float64(f.InWorkerMeanNS) / 1e6),
		WorkerBusyPct:  round2(f.BusyPct),
		TraceWindowMS:  round2(float64(f.WindowNS) / 1e6),
		TraceDropped:   f.Dropped,
	}
	if n := len(res.LatenciesMS); n > 0 && f.Requests > 0 {
		b.QueuedMSMean = round2(max(0, res.SumMS/float64(n)-float64(f.InWorkerMeanNS)/1e6))
	}
	if f.Requests == 0 && len(res.ErrorText) == 0 {
		b.TraceError = "the trace saw no request of the burst start and end"
	}
	return b
}

func msSince(t time.Time) float64 { return ms(time.Since(t)) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
