package trace

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readJSONL reads a trace written one event per line.
func readJSONL(t *testing.T, path string) []Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ev, err := ParseJSON(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestMeasure checks the figures of three traces against numbers worked
// out by hand from the events (times in ms).
func TestMeasure(t *testing.T) {
	const ms = 1e6
	tests := []struct {
		file    string
		workers int
		want    Figures
	}{{
		// A busy loop: three requests of 100 ms one after another on one
		// worker. Window 1..303 = 302 ms; 300 ms of it one request is in
		// progress, so the mean is 300/302; the worker waits in epoll only
		// 0-1, 101-102 and 202-203: busy 300 of 302 ms.
		file: "serial.jsonl", workers: 1,
		want: Figures{Requests: 3, WindowNS: 302 * ms, InProgressPeak: 1, InProgressMean: 300.0 / 302,
			InWorkerMeanNS: 100 * ms, Workers: 1, BusyPct: 100 * 300.0 / 302},
	}, {
		// A sleep burst: four requests start at 1, 2, 3, 4 ms, sleep, and end
		// at 101..104. In progress: 1 for 1 ms, 2 for 1, 3 for 1, 4 for 97,
		// then 3, 2, 1 for 1 ms each: area 400 over the window 1..104 = 103.
		// The worker is busy 1-4 and 101-104: 6 of 103 ms.
		file: "overlapped.jsonl", workers: 1,
		want: Figures{Requests: 4, WindowNS: 103 * ms, InProgressPeak: 4, InProgressMean: 400.0 / 103,
			InWorkerMeanNS: 100 * ms, Workers: 1, BusyPct: 100 * 6.0 / 103},
	}, {
		// Two workers: request 1 on worker 0 (10-20, with a subrequest that
		// does not count), request 2 on worker 1 (15-50, waiting on a read
		// 15-45), request 3 starts at 60 and never ends. Window 10..50 = 40:
		// one request 10-15, two 15-20, one 20-50: area 5+10+30 = 45.
		// Busy: worker 0 10-20, worker 1 45-50: 15 ms of 2 x 40. The dropped
		// event lost 7 events.
		file: "mixed.jsonl", workers: 2,
		want: Figures{Requests: 2, Unfinished: 1, WindowNS: 40 * ms, InProgressPeak: 2, InProgressMean: 45.0 / 40,
			InWorkerMeanNS: 22.5 * ms, Workers: 2, BusyPct: 100 * 15.0 / 80, Dropped: 7},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := Measure(readJSONL(t, filepath.Join("testdata", "figures", tt.file)), tt.workers)
			close := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
			if !close(got.InProgressMean, tt.want.InProgressMean) || !close(got.BusyPct, tt.want.BusyPct) {
				t.Errorf("mean %v busy %v, want %v and %v", got.InProgressMean, got.BusyPct, tt.want.InProgressMean, tt.want.BusyPct)
			}
			got.InProgressMean, got.BusyPct = tt.want.InProgressMean, tt.want.BusyPct
			if got != tt.want {
				t.Errorf("Measure:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestMeasureWorkersFromTrace: a trace naming worker 1 is measured over two
// workers even when the caller said one, and no request means no window.
func TestMeasureWorkersFromTrace(t *testing.T) {
	evs := readJSONL(t, filepath.Join("testdata", "figures", "mixed.jsonl"))
	if got := Measure(evs, 1).Workers; got != 2 {
		t.Errorf("workers %d, want 2", got)
	}
	got := Measure(evs[:4], 1) // request 1 has not ended yet
	if got.Requests != 0 || got.Unfinished != 1 || got.WindowNS != 0 || got.InProgressPeak != 0 {
		t.Errorf("no finished request: %+v", got)
	}
}

// TestParseJSONRoundTrip reads back what AppendJSON wrote, escapes included.
func TestParseJSONRoundTrip(t *testing.T) {
	evs := []Event{
		{TS: 1, Kind: CoYield, Worker: 1, FD: 9, Req: 3, Co: 7, Phase: "content", Source: "nginx.conf", Line: 12, Arg: -1, Arg2: 5, Detail: "sleep \"1\"\n\u2028"},
		{TS: 2, Kind: WorkerExit},
	}
	for _, ev := range evs {
		got, err := ParseJSON(AppendJSON(nil, ev))
		if err != nil || got != ev {
			t.Errorf("round trip of %+v: %+v, %v", ev, got, err)
		}
	}
	for _, bad := range []string{`{"ts":1,"kind":"nope","worker":0}`, `{"ts":`, `[]`} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("ParseJSON(%s) accepted", bad)
		}
	}
}

// TestMeasureOrder: events out of time order (two workers' rings read
// one after the other) give the figures of the trace in time order, and
// the caller's slice is left as it was.
func TestMeasureOrder(t *testing.T) {
	evs := readJSONL(t, filepath.Join("testdata", "figures", "mixed.jsonl"))
	want := Measure(evs, 1)
	var byWorker []Event
	for w := int32(0); w < 2; w++ {
		for _, ev := range evs {
			if ev.Worker == w {
				byWorker = append(byWorker, ev)
			}
		}
	}
	if len(byWorker) != len(evs) || sortedByTime(byWorker) {
		t.Fatalf("mixed.jsonl: %d events of 2 workers, in time order %v: want all, out of order", len(byWorker), sortedByTime(byWorker))
	}
	first := byWorker[0]
	if got := Measure(byWorker, 1); got != want {
		t.Errorf("worker by worker: %+v, want %+v", got, want)
	}
	if byWorker[0] != first || sortedByTime(byWorker) {
		t.Errorf("Measure reordered the caller's events")
	}
}
