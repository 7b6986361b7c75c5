package trace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// drain reads until want non-Dropped events arrived (or a timeout), and
// returns everything read.
func drain(t *testing.T, s *Subscription, want int) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var all []Event
	got := 0
	for got < want {
		batch, err := s.Next(ctx, 100)
		if err != nil {
			t.Fatalf("Next after %d of %d events: %v", got, want, err)
		}
		for _, ev := range batch {
			if ev.Kind != Dropped {
				got++
			}
		}
		all = append(all, batch...)
	}
	return all
}

func TestDisabledWithoutSubscribers(t *testing.T) {
	tr := New(1, 8)
	r := tr.Recorder(0)
	if r.Enabled() {
		t.Fatal("enabled with no subscriber")
	}
	var nilRec *Recorder
	if nilRec.Enabled() || tr.Recorder(5).Enabled() {
		t.Fatal("nil recorder enabled")
	}
	nilRec.Emit(Event{Kind: Read}) // must not panic
	r.Emit(Event{Kind: Read})      // not recorded: nobody listens
	s := tr.Subscribe()
	if !r.Enabled() {
		t.Fatal("not enabled with a subscriber")
	}
	r.Emit(Event{Kind: Write, Arg: 7})
	ev := drain(t, s, 1)
	if len(ev) != 1 || ev[0].Kind != Write || ev[0].Arg != 7 {
		t.Fatalf("got %+v, want only the Write emitted after Subscribe", ev)
	}
	s.Close()
	if r.Enabled() {
		t.Fatal("still enabled after the last Close")
	}
	if _, err := s.Next(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestOrderingAndMerge(t *testing.T) {
	tr := New(2, 64)
	s := tr.Subscribe()
	defer s.Close()
	a, b := tr.Recorder(0), tr.Recorder(1)
	for i := 1; i <= 10; i++ {
		a.Emit(Event{Kind: Read, Arg: int64(i)})
		b.Emit(Event{Kind: Write, Arg: int64(i)})
	}
	evs := drain(t, s, 20)
	next := map[int32]int64{0: 1, 1: 1}
	for i, ev := range evs {
		if i > 0 && ev.TS < evs[i-1].TS {
			t.Errorf("event %d: TS %d before previous %d", i, ev.TS, evs[i-1].TS)
		}
		if ev.Arg != next[ev.Worker] {
			t.Errorf("worker %d: got Arg %d, want %d", ev.Worker, ev.Arg, next[ev.Worker])
		}
		next[ev.Worker]++
		if (ev.Worker == 0) != (ev.Kind == Read) {
			t.Errorf("event %+v has the wrong worker", ev)
		}
	}
}

func TestDropCountIsExact(t *testing.T) {
	for _, tc := range []struct{ ring, emit, want int }{
		{ring: 8, emit: 8, want: 0},
		{ring: 8, emit: 9, want: 1},
		{ring: 8, emit: 100, want: 92},
		{ring: 5, emit: 20, want: 12}, // rounded up to 8
	} {
		tr := New(1, tc.ring)
		s := tr.Subscribe()
		r := tr.Recorder(0)
		for i := 0; i < tc.emit; i++ {
			r.Emit(Event{Kind: Read, Arg: int64(i)})
		}
		evs, err := s.Next(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		var dropped int64
		kept := 0
		for _, ev := range evs {
			if ev.Kind == Dropped {
				dropped += ev.Arg
				continue
			}
			if want := int64(tc.want + kept); ev.Arg != want {
				t.Errorf("ring %d emit %d: kept event %d has Arg %d, want %d", tc.ring, tc.emit, kept, ev.Arg, want)
			}
			kept++
		}
		if dropped != int64(tc.want) || kept+int(dropped) != tc.emit {
			t.Errorf("ring %d emit %d: dropped %d kept %d, want dropped %d", tc.ring, tc.emit, dropped, kept, tc.want)
		}
		if len(evs) > 0 && tc.want > 0 && evs[0].Kind != Dropped {
			t.Errorf("the Dropped event should come first, got %v", evs[0].Kind)
		}
		s.Close()
	}
}

func TestSmallBatchesCarryPendingDrops(t *testing.T) {
	tr := New(1, 4)
	s := tr.Subscribe()
	defer s.Close()
	for i := 0; i < 10; i++ {
		tr.Recorder(0).Emit(Event{Kind: Read, Arg: int64(i)})
	}
	var got []Event
	for len(got) < 5 {
		b, err := s.Next(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 1 {
			t.Fatalf("batch of %d with max 1", len(b))
		}
		got = append(got, b...)
	}
	if got[0].Kind != Dropped || got[0].Arg != 6 || got[1].Arg != 6 || got[4].Arg != 9 {
		t.Fatalf("got %+v", got)
	}
}

func TestMultipleSubscribers(t *testing.T) {
	tr := New(1, 16)
	s1, s2 := tr.Subscribe(), tr.Subscribe()
	r := tr.Recorder(0)
	for i := 0; i < 5; i++ {
		r.Emit(Event{Kind: Read, Arg: int64(i)})
	}
	e1 := drain(t, s1, 5)
	s1.Close()
	r.Emit(Event{Kind: Read, Arg: 5})
	e2 := drain(t, s2, 6)
	if len(e1) != 5 || len(e2) != 6 {
		t.Fatalf("s1 got %d events, s2 got %d; want 5 and 6", len(e1), len(e2))
	}
	for i := range e2 {
		if e2[i].Arg != int64(i) {
			t.Errorf("s2 event %d: Arg %d", i, e2[i].Arg)
		}
	}
	s2.Close()
}

func TestNextWaitsAndHonoursContext(t *testing.T) {
	tr := New(1, 16)
	s := tr.Subscribe()
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Next(ctx, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("idle Next: %v, want deadline exceeded", err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		tr.Recorder(0).Emit(Event{Kind: TimerFire})
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	evs, err := s.Next(ctx2, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != TimerFire {
		t.Fatalf("woken Next: %+v, %v", evs, err)
	}
}

// TestConcurrentProducers runs every worker on its own goroutine while two
// subscribers read, one of them slowly; both must account for every event,
// either delivered in order or counted as dropped, and never see a torn one
// (each event's Detail names its Arg). With a ring of 1 event the readers
// are lapped all the time: claims, skips and skipped writes (run it with
// -race).
func TestConcurrentProducers(t *testing.T) {
	const workers, perWorker = 4, 5000
	details := make([]string, perWorker)
	for i := range details {
		details[i] = "payload " + strconv.Itoa(i)
	}
	for _, ringSize := range []int{256, 1} {
		t.Run(fmt.Sprintf("ring%d", ringSize), func(t *testing.T) {
			tr := New(workers, ringSize)
			subs := []*Subscription{tr.Subscribe(), tr.Subscribe()}
			var wg sync.WaitGroup
			results := make([][workers]int64, len(subs))
			for i, s := range subs {
				wg.Add(1)
				go func(i int, s *Subscription) {
					defer wg.Done()
					next := [workers]int64{}
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					for total := int64(0); total < workers*perWorker; {
						batch, err := s.Next(ctx, 64)
						if err != nil {
							t.Errorf("sub %d: %v after %d", i, err, total)
							return
						}
						for _, ev := range batch {
							if ev.Kind == Dropped {
								next[ev.Worker] += ev.Arg
								results[i][ev.Worker] += ev.Arg
								total += ev.Arg
								continue
							}
							if ev.Arg != next[ev.Worker] || ev.Detail != details[ev.Arg] {
								t.Errorf("sub %d worker %d: Arg %d Detail %q, want Arg %d", i, ev.Worker, ev.Arg, ev.Detail, next[ev.Worker])
								return
							}
							next[ev.Worker]++
							total++
						}
						if i == 1 {
							time.Sleep(50 * time.Microsecond) // the slow one
						}
					}
				}(i, s)
			}
			var pwg sync.WaitGroup
			for w := 0; w < workers; w++ {
				pwg.Add(1)
				go func(r *Recorder) {
					defer pwg.Done()
					for i := 0; i < perWorker; i++ {
						r.Emit(Event{Kind: Read, Arg: int64(i), Detail: details[i]})
					}
				}(tr.Recorder(w))
			}
			pwg.Wait()
			wg.Wait()
			t.Logf("dropped per worker: fast %v, slow %v", results[0], results[1])
		})
	}
}

// TestClaimedSlotIsSkipped: while a reader claims an event (it is copying
// it), the worker does not overwrite that event's slot: it skips writing the
// events that would reuse it, without waiting, and every reader counts them
// as dropped, exactly.
func TestClaimedSlotIsSkipped(t *testing.T) {
	tr := New(1, 8)
	slow, other := tr.Subscribe(), tr.Subscribe()
	defer slow.Close()
	defer other.Close()
	rec := tr.Recorder(0)
	rec.Emit(Event{Kind: Read, Arg: 0})
	slow.claims[0].at.Store(0 + 1) // as poll does before copying event 0
	slots := len(tr.rings[0].slots)
	total := slots + 10
	got := map[int64]bool{}
	var dropped int64
	take := func() { // one batch of other's: the events it got, and its drops
		evs, err := other.Next(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Kind == Dropped {
				dropped += ev.Arg
			} else {
				got[ev.Arg] = true
			}
		}
	}
	for i := 1; i < total; i++ {
		rec.Emit(Event{Kind: Read, Arg: int64(i)})
		if i%4 == 0 { // other keeps up, so that only the skipped writes are lost
			take()
		}
	}
	slow.claims[0].at.Store(0)
	for int(dropped)+len(got) < total {
		take()
	}
	// Events slots .. total-1 would have reused event 0's slot and later
	// ones: the producer skipped each of them (it looks again at every
	// event while blocked).
	if want := int64(total - slots); dropped != want {
		t.Errorf("dropped %d, want %d (the events written while event 0 was claimed)", dropped, want)
	}
	for i := 0; i < slots; i++ {
		if !got[int64(i)] {
			t.Errorf("event %d missing", i)
		}
	}
}

// TestCloseWhileReading closes subscriptions while their readers are in
// Next and the worker emits: no race (run it with -race), no hang.
func TestCloseWhileReading(t *testing.T) {
	tr := New(1, 4)
	rec := tr.Recorder(0)
	keep := tr.Subscribe() // the worker records all along
	defer keep.Close()
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	pwg.Add(1)
	go func() {
		defer pwg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			rec.Emit(Event{Kind: Read, Arg: int64(i), Detail: "x"})
		}
	}()
	for round := 0; round < 50; round++ {
		s := tr.Subscribe()
		done := make(chan error, 1)
		go func() {
			for {
				if _, err := s.Next(context.Background(), 16); err != nil {
					done <- err
					return
				}
			}
		}()
		time.Sleep(100 * time.Microsecond)
		s.Close()
		select {
		case err := <-done:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("round %d: Next after Close: %v", round, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Next did not return after Close", round)
		}
	}
	close(stop)
	pwg.Wait()
}

// TestSlotSize: a slot fills whole cache lines.
func TestSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(slot{}); n%64 != 0 {
		t.Fatalf("slot is %d bytes, want a multiple of 64", n)
	}
}

func TestAppendJSONGolden(t *testing.T) {
	events := []Event{
		{TS: 1, Kind: WorkerStart, Worker: 0, FD: 5, Arg: 4242},
		{TS: 1500, Kind: EpollWait, Worker: 1, Arg: -1},
		{TS: 2000, Kind: Accept, Worker: 1, FD: 9, Detail: "127.0.0.1:53210"},
		{TS: 3000, Kind: CoYield, Worker: 1, FD: 9, Req: 3, Co: 7, Phase: "content", Source: "nginx.conf", Line: 12, Detail: "sleep 100ms"},
		{TS: 4000, Kind: Log, Worker: 1, Req: 3, Arg: 4, Detail: "quote \" backslash \\ nl \n tab \t ctl \x01 bad \xff ls \u2028 é"},
		{TS: 5000, Kind: RequestEnd, Worker: 1, Req: 3, Arg: 200, Arg2: 1234},
		{TS: 5500, Kind: WorkerExit, Worker: 1, Gen: 2},
		{TS: 6000, Kind: Dropped, Worker: 2, Arg: 17},
		{TS: 7000, Kind: Kind(200), Worker: 0},
	}
	var out []byte
	for _, ev := range events {
		line := AppendJSON(nil, ev)
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("invalid JSON %s: %v", line, err)
		}
		if want := strings.ToValidUTF8(ev.Detail, "\uFFFD"); m["detail"] != nil && m["detail"] != want {
			t.Errorf("detail round trip: got %q, want %q", m["detail"], want)
		}
		out = append(append(out, line...), '\n')
	}
	golden := filepath.Join("testdata", "events.jsonl")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(want) {
		actual := filepath.Join("testdata", "events.actual.jsonl")
		_ = os.WriteFile(actual, out, 0o644)
		t.Errorf("AppendJSON output differs from %s (wrote %s)", golden, actual)
	}
}

// TestContinue: a reload's tracer goes on with its predecessor's clock and
// stamps the next generation on its events; JSON keeps the generation.
func TestContinue(t *testing.T) {
	old := New(1, 16)
	time.Sleep(20 * time.Millisecond)
	next := New(1, 16)
	fresh := next.Now()
	next.Continue(old)
	if got := next.Now(); got < 20*int64(time.Millisecond) || got < fresh {
		t.Fatalf("after Continue the clock reads %d ns, want at least the 20 ms the old tracer ran", got)
	}
	s := next.Subscribe()
	defer s.Close()
	next.Recorder(0).Emit(Event{Kind: RequestStart, Req: 7})
	ev := drain(t, s, 1)[0]
	if ev.Gen != 1 {
		t.Fatalf("event of the successor: gen %d, want 1", ev.Gen)
	}
	back, err := ParseJSON(AppendJSON(nil, ev))
	if err != nil || back.Gen != 1 || back.Req != 7 {
		t.Fatalf("JSON round trip: %+v, %v", back, err)
	}
	third := New(1, 16)
	third.Continue(next)
	if third.gen != 2 {
		t.Fatalf("a second reload: gen %d, want 2", third.gen)
	}
}

func TestEmitDoesNotAllocate(t *testing.T) {
	tr := New(1, 1024)
	s := tr.Subscribe()
	defer s.Close()
	r := tr.Recorder(0)
	ev := Event{Kind: CoResume, Co: 3, Detail: "x"}
	if n := testing.AllocsPerRun(1000, func() { r.Emit(ev) }); n != 0 {
		t.Errorf("Emit allocates %v times", n)
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(1000, func() { buf = AppendJSON(buf[:0], ev) }); n != 0 {
		t.Errorf("AppendJSON allocates %v times", n)
	}
}

func BenchmarkEmitNoSubscriber(b *testing.B) {
	r := New(1, 1024).Recorder(0)
	ev := Event{Kind: Read, FD: 9, Arg: 100}
	for i := 0; i < b.N; i++ {
		r.Emit(ev)
	}
}

func BenchmarkEmitWithSubscriber(b *testing.B) {
	tr := New(1, 1<<14)
	s := tr.Subscribe()
	defer s.Close()
	r := tr.Recorder(0)
	ev := Event{Kind: CoYield, FD: 9, Req: 1, Co: 2, Phase: "content", Detail: "sleep 10ms"}
	for i := 0; i < b.N; i++ {
		r.Emit(ev)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	ev := Event{TS: 7605115673123, Kind: CoYield, Worker: 1, FD: 9, Req: 4567890, Co: 4567890, Phase: "content", Source: "nginx.conf", Line: 12, Detail: "sleep 100ms"}
	buf := make([]byte, 0, 512)
	for i := 0; i < b.N; i++ {
		buf = AppendJSON(buf[:0], ev)
	}
}

// BenchmarkEmitWithReader is Emit while a reader drains the ring as
// `restylab run --trace` does (batches of up to 4096 into one buffer, a 2 ms
// pause after a small batch), on rings of DefaultRingSize and of run's
// default size: the slots' cache lines go back and forth between the worker
// and the reader. cpu-ns/op counts both threads.
func BenchmarkEmitWithReader(b *testing.B) {
	for _, size := range []int{1 << 12, DefaultRingSize, 1 << 16} {
		b.Run(fmt.Sprintf("ring%d", size), func(b *testing.B) { benchEmitWithReader(b, size) })
	}
}

func benchEmitWithReader(b *testing.B, size int) {
	tr := New(1, size)
	s := tr.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int64)
	go func() {
		var evs []Event
		var got int64
		for {
			var err error
			evs, err = s.AppendNext(ctx, evs[:0], 4096)
			got += int64(len(evs))
			if err != nil {
				done <- got
				return
			}
			if len(evs) < 1024 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}()
	r := tr.Recorder(0)
	ev := Event{Kind: CoYield, FD: 9, Req: 1, Co: 2, Phase: "content", Detail: "sleep 10ms"}
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		r.Emit(ev)
	}
	time.Sleep(5 * time.Millisecond) // the reader takes the last batch
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
	cancel()
	<-done
	s.Close()
}

// processCPU is the CPU time (user + system) the test process used so far:
// the worker's and the reader's threads together.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestAppendQuotedEveryByte puts each byte value at each place of strings
// of 1 to 17 bytes (the word-at-a-time scan and the byte loop both see it)
// and compares appendQuoted with a plain rune-by-rune quoting.
func TestAppendQuotedEveryByte(t *testing.T) {
	quote := func(s string) string {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b.WriteString(`\ufffd`)
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r == '\u2028' || r == '\u2029':
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteString(s[i : i+size])
			}
			i += size
		}
		b.WriteByte('"')
		return b.String()
	}
	for n := 1; n <= 17; n++ {
		for p := 0; p < n; p++ {
			for c := 0; c < 256; c++ {
				s := []byte(strings.Repeat("a", n))
				s[p] = byte(c)
				if got, want := string(appendQuoted(nil, string(s))), quote(string(s)); got != want {
					t.Fatalf("appendQuoted(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"ünïcödé and more text", "a\u2028b\u2029cdefghij", "12345678\xff", "1234567\xe2\x80\xa8"} {
		if got, want := string(appendQuoted(nil, s)), quote(s); got != want {
			t.Errorf("appendQuoted(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestAppendDecimal compares appendDecimal with strconv around every power
// of ten, at the extremes and on pseudo-random values.
func TestAppendDecimal(t *testing.T) {
	vals := []int64{0, 1, -1, 9, -9, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for p := int64(10); p > 0 && p <= math.MaxInt64/10*10; p *= 10 {
		vals = append(vals, p-1, p, p+1, -p+1, -p, -p-1)
		if p > math.MaxInt64/10 {
			break
		}
	}
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 10000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		vals = append(vals, int64(x), int64(x>>(i%64)))
	}
	for _, v := range vals {
		prefix := []byte("ab")
		if got, want := string(appendDecimal(prefix, v)), "ab"+strconv.FormatInt(v, 10); got != want {
			t.Fatalf("appendDecimal(%d) = %q, want %q", v, got, want)
		}
	}
}

// BenchmarkAppendDecimal formats the numbers of a typical event: a ts two
// hours in, a request id, an fd, a status.
func BenchmarkAppendDecimal(b *testing.B) {
	vals := []int64{7605115673123, 4567890, 13, 200}
	buf := make([]byte, 0, 64)
	b.Run("appendDecimal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf = buf[:0]
			for _, v := range vals {
				buf = appendDecimal(buf, v)
			}
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buf = buf[:0]
			for _, v := range vals {
				buf = strconv.AppendInt(buf, v, 10)
			}
		}
	})
}

// TestNextReturnsHeldEventsAfterCancel: a reader parked in Next whose
// context ends just after the worker emitted gets those events first, and
// the error on the next call (run --trace drains the rings this way when
// it stops).
func TestNextReturnsHeldEventsAfterCancel(t *testing.T) {
	for round := 0; round < 100; round++ {
		tr := New(1, 16)
		s := tr.Subscribe()
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			evs []Event
			err error
		}
		got := make(chan result, 1)
		go func() {
			evs, err := s.Next(ctx, 10)
			got <- result{evs, err}
		}()
		for deadline := time.Now().Add(5 * time.Second); tr.sleepers.Load() == 0; time.Sleep(50 * time.Microsecond) {
			if time.Now().After(deadline) {
				t.Fatal("Next did not park")
			}
		}
		tr.Recorder(0).Emit(Event{Kind: Read, Arg: 1})
		cancel()
		r := <-got
		if r.err != nil || len(r.evs) != 1 || r.evs[0].Arg != 1 {
			t.Fatalf("round %d: Next = %+v, %v; want the event emitted before the cancel", round, r.evs, r.err)
		}
		if _, err := s.Next(ctx, 10); !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: second Next: %v, want context.Canceled", round, err)
		}
		s.Close()
	}
}
