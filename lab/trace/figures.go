package trace

import (
	"slices"
	"strings"
)

// Figures say what a window of traffic did inside the server, measured from
// its trace alone, so that a learner can check every number against the
// timeline (docs/web.md defines them for the burst panel).
type Figures struct {
	// Requests counts the main requests (not subrequests) that both started
	// and ended in the trace; Unfinished those that started and did not end.
	Requests   int
	Unfinished int
	// WindowNS runs from the first request_start to the last request_end.
	WindowNS int64
	// InProgressPeak is the most requests between their request_start and
	// request_end at one instant (one ending and another starting at the same
	// nanosecond do not overlap); InProgressMean is the time-weighted mean of
	// that number over the window.
	InProgressPeak int
	InProgressMean float64
	// InWorkerMeanNS is the mean time from request_start to request_end.
	InWorkerMeanNS int64
	// Workers is how many workers the busy share is taken over; BusyPct the
	// share of the window they spent outside epoll_wait (running Lua, parsing,
	// writing), averaged over the workers, in percent.
	Workers int
	BusyPct float64
	// Dropped counts the events the trace lost (from Dropped events): when
	// it is not zero the figures are approximate.
	Dropped int64
}

// isSubrequest tells a subrequest's request_start/request_end (they carry
// the parent in Arg, "subrequest ..." in Detail) from a main request's.
func isSubrequest(ev *Event) bool {
	return strings.HasPrefix(ev.Detail, "subrequest")
}

// Measure computes the Figures of events, a trace in any order (events of
// one worker must keep their relative order, as Subscription delivers
// them). workers is the number of workers that served; a trace naming a
// higher worker id raises it.
func Measure(events []Event, workers int) Figures {
	evs := events
	if !sortedByTime(evs) {
		// a copy: the caller's slice stays as it was (a recording's events
		// are mostly in order already, and copying 20 000 of them was a
		// tenth of the lab's CPU over a burst)
		evs = slices.Clone(events)
		SortByTime(evs)
	}
	var f Figures
	starts := map[int64]int64{} // main request id -> request_start ts
	var spans []Span
	var inWorker int64
	for i := range evs {
		ev := &evs[i]
		if int(ev.Worker)+1 > workers {
			workers = int(ev.Worker) + 1
		}
		switch ev.Kind {
		case Dropped:
			f.Dropped += ev.Arg
		case RequestStart:
			if ev.Arg == 0 && !isSubrequest(ev) {
				starts[ev.Req] = ev.TS
			}
		case RequestEnd:
			t0, ok := starts[ev.Req]
			if !ok || isSubrequest(ev) {
				continue
			}
			delete(starts, ev.Req)
			f.Requests++
			inWorker += ev.TS - t0
			spans = append(spans, Span{t0, ev.TS})
		}
	}
	f.Unfinished = len(starts)
	f.Workers = max(workers, 1)
	if f.Requests == 0 {
		return f
	}
	f.InWorkerMeanNS = inWorker / int64(f.Requests)
	var from, to int64
	f.InProgressPeak, f.InProgressMean, from, to = Overlap(spans)
	f.WindowNS = to - from
	if f.WindowNS > 0 {
		f.BusyPct = 100 * float64(busyNS(evs, f.Workers, from, to)) / float64(f.WindowNS) / float64(f.Workers)
	}
	return f
}

// Span is one request's time in the server, from its request_start to its
// request_end (ns).
type Span struct{ Start, End int64 }

// Overlap sweeps spans in time order: peak is the most in progress at one
// instant (one ending and another starting at the same nanosecond do not
// overlap), mean the time-weighted mean over [from, to], the first start to
// the last end (the peak when the window is empty).
func Overlap(spans []Span) (peak int, mean float64, from, to int64) {
	if len(spans) == 0 {
		return 0, 0, 0, 0
	}
	type edge struct {
		ts    int64
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s.Start, +1}, edge{s.End, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.ts != b.ts {
			if a.ts < b.ts {
				return -1
			}
			return 1
		}
		return a.delta - b.delta // ends first
	})
	from, to = edges[0].ts, edges[len(edges)-1].ts
	n, area, last := 0, 0.0, from
	for _, e := range edges {
		area += float64(n) * float64(e.ts-last)
		last = e.ts
		n += e.delta
		peak = max(peak, n)
	}
	if to > from {
		mean = area / float64(to-from)
	} else {
		mean = float64(peak)
	}
	return peak, mean, from, to
}

// busyNS sums, over the workers, the time in [from, to] each spent outside
// epoll_wait. A worker waits from its epoll_wait event until its next event;
// before its first event in the trace it is taken to be waiting (an idle
// worker emits nothing while it blocks).
func busyNS(evs []Event, workers int, from, to int64) int64 {
	waiting := make([]bool, workers)
	since := make([]int64, workers) // when the current state began
	for w := range since {
		waiting[w], since[w] = true, from
	}
	var busy int64
	account := func(w int, until int64) {
		if !waiting[w] {
			a, b := max(since[w], from), min(until, to)
			if b > a {
				busy += b - a
			}
		}
	}
	for i := range evs {
		ev := &evs[i]
		w := int(ev.Worker)
		if ev.Kind == Dropped {
			continue
		}
		account(w, ev.TS)
		since[w] = ev.TS
		waiting[w] = ev.Kind == EpollWait
	}
	for w := range workers {
		account(w, to)
	}
	return busy
}

// sortedByTime tells whether evs is in the order SortByTime gives.
func sortedByTime(evs []Event) bool {
	for i := 1; i < len(evs); i++ {
		if evs[i].TS < evs[i-1].TS {
			return false
		}
	}
	return true
}
