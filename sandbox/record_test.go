package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

const recordConf = `worker_processes 1;
events {}
http {
    server {
        listen 8080;
        location /log { content_by_lua_block { ngx.log(ngx.ERR, "marker ", ngx.var.arg_n) ngx.say("logged") } }
        location /sleep { content_by_lua_block { ngx.sleep(0.1) ngx.say("slept") } }
        location /busy {
            content_by_lua_block {
                local t = os.clock()
                while os.clock() - t < 0.03 do end
                ngx.say("spun")
            }
        }
    }
}
`

// getAll sends n GETs of path at once and checks every answer.
func getAll(t *testing.T, in *Instance, path string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := get(t, in, path); code != 200 {
				t.Errorf("GET %s: %d", path, code)
			}
		}()
	}
	wg.Wait()
}

// record runs f inside a recording and measures it.
func record(t *testing.T, in *Instance, f func()) trace.Figures {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rec, err := in.Record(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f()
	w, err := rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fig := trace.Measure(w.Events, in.Workers())
	fig.Dropped += w.Dropped
	return fig
}

// TestRecordFigures: requests that sleep overlap in the worker; requests
// that spin are served one at a time, however many clients wait.
func TestRecordFigures(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: recordConf})
	if err != nil {
		t.Fatal(err)
	}
	sleep := record(t, in, func() { getAll(t, in, "/sleep", 20) })
	t.Logf("sleep: %+v", sleep)
	if sleep.Requests != 20 || sleep.Unfinished != 0 || sleep.Dropped != 0 {
		t.Errorf("sleep burst: %d requests, %d unfinished, %d dropped; want 20, 0, 0", sleep.Requests, sleep.Unfinished, sleep.Dropped)
	}
	if sleep.InProgressPeak < 10 || sleep.BusyPct > 50 {
		t.Errorf("sleep burst: peak %d in progress, busy %.1f%%; want >= 10 and a mostly idle worker", sleep.InProgressPeak, sleep.BusyPct)
	}
	busy := record(t, in, func() { getAll(t, in, "/busy", 6) })
	t.Logf("busy: %+v", busy)
	if busy.Requests != 6 || busy.InProgressPeak != 1 {
		t.Errorf("busy burst: %d requests, peak %d in progress; want 6 and 1 (a loop that never yields holds the worker)", busy.Requests, busy.InProgressPeak)
	}
	if busy.InWorkerMeanNS < int64(25*time.Millisecond) || busy.BusyPct < 60 {
		t.Errorf("busy burst: %v in the worker, busy %.1f%%; want >= 25ms and a busy worker", time.Duration(busy.InWorkerMeanNS), busy.BusyPct)
	}
}

// TestRecordEndsWithTheInstance: a recording whose instance ends says so.
func TestRecordEndsWithTheInstance(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: recordConf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rec, err := in.Record(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in.Stop()
	if _, err := rec.Stop(ctx); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("Stop after the instance ended: %v", err)
	}
	if _, err := in.Record(ctx); err == nil {
		t.Fatal("Record on an ended instance succeeded")
	}
}

// TestRecordingBounds: the child keeps at most recordEventsMax events and
// splits them into frames that fit the protocol.
func TestRecordingBounds(t *testing.T) {
	rec := &recording{id: 1, open: map[int64]bool{}}
	big := strings.Repeat("x", 100<<10)
	var evs []trace.Event
	for i := range 50 {
		evs = append(evs, trace.Event{TS: int64(i), Kind: trace.Log, Detail: big})
	}
	evs = append(evs, trace.Event{Kind: trace.Log, Detail: strings.Repeat("y", recordEventBytes)}) // too big to keep
	rec.add(evs)
	frames := rec.frames()
	if len(frames) < 2 {
		t.Fatalf("%d frames for 5 MB of events, want 2 or more", len(frames))
	}
	n := 0
	for i, f := range frames {
		size := len(f.Events)
		if size > recordFrameBytes {
			t.Errorf("frame %d holds %d bytes, more than %d", i, size, recordFrameBytes)
		}
		if f.More != (i < len(frames)-1) {
			t.Errorf("frame %d: More %v", i, f.More)
		}
		evs, err := new(trace.BinaryReader).ReadAll(nil, f.Events)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		n += len(evs)
		// base64 in the frame's JSON: 4/3 of the bytes, under the protocol's bound
		if data, _ := json.Marshal(f); len(data)+1 > proto.MaxFrameSize {
			t.Errorf("frame %d encodes to %d bytes, more than a frame holds", i, len(data))
		}
	}
	if last := frames[len(frames)-1]; n != 50 || last.Dropped != 1 {
		t.Errorf("%d events and %d dropped, want 50 and 1", n, last.Dropped)
	}

	rec = &recording{id: 2, open: map[int64]bool{}}
	small := make([]trace.Event, recordEventsMax+10)
	for i := range small {
		small[i] = trace.Event{TS: int64(i), Kind: trace.Read, Detail: fmt.Sprint(i)}
	}
	rec.add(small)
	if len(rec.ends) != recordEventsMax || rec.dropped != 10 {
		t.Errorf("kept %d, dropped %d; want %d and 10", len(rec.ends), rec.dropped, recordEventsMax)
	}
}

// TestRecordErrorLog: a recording holds the error_log lines of its window,
// as nginx writes them, and only those.
func TestRecordErrorLog(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: recordConf})
	if err != nil {
		t.Fatal(err)
	}
	get(t, in, "/log?n=before")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rec, err := in.Record(ctx)
	if err != nil {
		t.Fatal(err)
	}
	get(t, in, "/log?n=inside")
	w, err := rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	log := strings.Join(w.ErrorLog, "\n")
	if !strings.Contains(log, "[error]") || !strings.Contains(log, "marker inside") || strings.Contains(log, "marker before") {
		t.Fatalf("the window's error_log: %q", log)
	}
	sorted := true
	for i := 1; i < len(w.Events); i++ {
		sorted = sorted && w.Events[i-1].TS <= w.Events[i].TS
	}
	if !sorted || len(w.Events) == 0 {
		t.Fatalf("%d events, sorted %v", len(w.Events), sorted)
	}
}
