package web

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox"
)

// metrics are the lab's Prometheus metrics (docs/operations.md), in a
// registry of the Server's own so that several Servers (tests) never
// collide. Every counter a hot path touches is resolved here once: the
// trace path adds a batch's length to a counter, no allocation.
type metrics struct {
	reg *prometheus.Registry

	sessionsCreated prometheus.Counter
	spawnOK         prometheus.Counter
	spawnLoadError  prometheus.Counter
	spawnFull       prometheus.Counter
	spawnError      prometheus.Counter
	exits           map[string]prometheus.Counter // by sandbox.Exit* kind
	applySeconds    prometheus.Histogram
	checkSeconds    prometheus.Histogram
	traceStreamed   prometheus.Counter                // events the instances sent to the lab
	traceDrop       [trace.NumHops]prometheus.Counter // events lost, by hop of the trace pipe (docs/trace.md)
	httpSeconds     *prometheus.HistogramVec
}

// exitKinds are the label values of restylab_instance_exits_total.
var exitKinds = []string{sandbox.ExitStopped, sandbox.ExitIdle, sandbox.ExitCPU, sandbox.ExitMemory, sandbox.ExitCrashed, sandbox.ExitOther}

func newMetrics(s *Server) *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &metrics{reg: reg, exits: map[string]prometheus.Counter{}}
	f := func(c prometheus.Collector) { reg.MustRegister(c) }

	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "restylab_sessions",
		Help: "Sessions the lab holds in memory (an open tab or an instance; the others are read back from the store when they come back)."},
		func() float64 { s.mu.Lock(); defer s.mu.Unlock(); return float64(len(s.sessions)) }))
	m.sessionsCreated = prometheus.NewCounter(prometheus.CounterOpts{Name: "restylab_sessions_created_total", Help: "New learner sessions (a first visit)."})
	f(m.sessionsCreated)
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "restylab_instances_running",
		Help: "Sandboxed instances alive (started or starting, not yet reaped)."},
		func() float64 { return float64(s.mgr.Live()) }))
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "restylab_instances_max",
		Help: "The most instances that may run at once (--max-instances)."},
		func() float64 { return float64(s.cfg.Sandbox.MaxInstances) }))

	spawns := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "restylab_instance_spawns_total",
		Help: "Instance starts by result: ok, load_error (the learner's workspace did not load), full (--max-instances reached), error."}, []string{"result"})
	f(spawns)
	m.spawnOK = spawns.WithLabelValues("ok")
	m.spawnLoadError = spawns.WithLabelValues("load_error")
	m.spawnFull = spawns.WithLabelValues("full")
	m.spawnError = spawns.WithLabelValues("error")

	exits := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "restylab_instance_exits_total",
		Help: "Instances ended, by reason: stopped (by the lab), idle, and the kills: cpu, memory, crashed, other."}, []string{"reason"})
	f(exits)
	for _, k := range exitKinds {
		m.exits[k] = exits.WithLabelValues(k)
	}

	m.applySeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "restylab_apply_seconds",
		Help:    "Time of POST /api/apply: save, then reload or start the instance.",
		Buckets: []float64{.01, .025, .05, .1, .2, .3, .5, 1, 2, 5, 10}})
	f(m.applySeconds)
	m.checkSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "restylab_check_seconds",
		Help:    "Time of a lesson's checks (POST /api/lessons/{id}/check).",
		Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60}})
	f(m.checkSeconds)

	m.traceStreamed = prometheus.NewCounter(prometheus.CounterOpts{Name: "restylab_trace_events_streamed_total",
		Help: "Trace events the instances streamed to the lab for the browsers."})
	f(m.traceStreamed)
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "restylab_trace_events_dropped_total",
		Help: "Trace events lost, by hop of the trace pipe (docs/trace.md): ring (the instance's forwarder fell a ring behind), rate (the instance's rate limit), instance (its queue to the lab), lab (the lab's queue from the instance), websocket (a browser too slow to take them)."}, []string{"where"})
	f(dropped)
	for hop := range m.traceDrop {
		m.traceDrop[hop] = dropped.WithLabelValues(trace.Hop(hop).String())
	}

	m.httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "restylab_http_request_seconds",
		Help:    "Time to answer an HTTP request, by route (the ServeMux pattern; the WebSocket is not timed).",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route"})
	f(m.httpSeconds)
	return m
}

// exited counts an instance's end.
func (m *metrics) exited(kind string) {
	if c := m.exits[kind]; c != nil {
		c.Inc()
	} else {
		m.exits[sandbox.ExitOther].Inc()
	}
}

// spawned counts an instance start by its result.
func (m *metrics) spawned(err error, isLoadError, isFull bool) {
	switch {
	case err == nil:
		m.spawnOK.Inc()
	case isLoadError:
		m.spawnLoadError.Inc()
	case isFull:
		m.spawnFull.Inc()
	default:
		m.spawnError.Inc()
	}
}

// handler serves the registry in Prometheus' text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument times each request by its route, the ServeMux pattern that
// next (the mux) records in r.Pattern once it has routed it. The
// WebSocket's time is its whole life, not a latency: it is left out.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		route := r.Pattern
		if route == "GET /api/ws" {
			return
		}
		if route == "" {
			route = "none"
		}
		m.httpSeconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
