package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// maxErrorTexts is how many error messages are kept per kind.
const maxErrorTexts = 5

// recorder gathers the learners' figures; safe for concurrent use.
type recorder struct {
	ctx context.Context // errors after it ends are the run stopping, not the lab's

	mu        sync.Mutex
	lat       map[string][]time.Duration
	burstSrv  []time.Duration
	errCount  map[string]int
	errTexts  map[string][]string
	msgs      map[string]int // WebSocket messages by type
	events    int64          // trace events received
	dropped   int64          // events the server said it dropped
	healthRSS map[int]int64  // learner -> its instance's last RSS (health)
	peakRSS   map[int]int64  // learner -> its instance's largest RSS (health)
}

func newRecorder(ctx context.Context) *recorder {
	return &recorder{ctx: ctx, lat: map[string][]time.Duration{}, errCount: map[string]int{},
		errTexts: map[string][]string{}, msgs: map[string]int{}, healthRSS: map[int]int64{}, peakRSS: map[int]int64{}}
}

// add records one operation: its wall time when it succeeded, else the
// error.
func (r *recorder) add(op string, d time.Duration, err error) {
	if err != nil {
		r.fail(op, err)
		return
	}
	r.mu.Lock()
	r.lat[op] = append(r.lat[op], d)
	r.mu.Unlock()
}

// done is add for an operation begun at t; it returns err.
func (r *recorder) done(op string, t time.Time, err error) error {
	r.add(op, time.Since(t), err)
	return err
}

// fail counts an error of kind op and keeps its text while there are few.
func (r *recorder) fail(op string, err error) {
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errCount[op]++
	if len(r.errTexts[op]) < maxErrorTexts {
		r.errTexts[op] = append(r.errTexts[op], fmt.Sprintf("%s %s", time.Now().UTC().Format("15:04:05"), err))
	}
}

func (r *recorder) burstServer(d time.Duration) {
	r.mu.Lock()
	r.burstSrv = append(r.burstSrv, d)
	r.mu.Unlock()
}

// message counts one WebSocket message of learner i.
func (r *recorder) message(i int, m wsIn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs[m.T]++
	r.events += int64(len(m.Events))
	r.dropped += m.Dropped
	if m.T == "health" && m.RSS > 0 {
		r.healthRSS[i] = m.RSS
		r.peakRSS[i] = max(r.peakRSS[i], m.RSS)
	}
}

// errors is the total error count.
func (r *recorder) errors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.errCount {
		n += c
	}
	return n
}

// quantiles of a sample: p50, p99, max (nearest rank).
type quantiles struct {
	n             int
	p50, p99, max time.Duration
}

func quantilesOf(d []time.Duration) quantiles {
	if len(d) == 0 {
		return quantiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1 // nearest rank: ceil(p*n)
		return s[min(max(i, 0), len(s)-1)]
	}
	return quantiles{n: len(s), p50: at(0.5), p99: at(0.99), max: s[len(s)-1]}
}

func (q quantiles) String() string {
	if q.n == 0 {
		return "no samples"
	}
	return fmt.Sprintf("%5d samples  p50 %8s  p99 %8s  max %8s", q.n, ms(q.p50), ms(q.p99), ms(q.max))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
