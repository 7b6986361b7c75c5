package trace

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestQueueBoundedLossyCounted(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		offers   []int // weights offered in order
		want     []int // what Take returns, in order
		dropped  int64
	}{
		{"under capacity", 4, []int{1, 2, 3}, []int{1, 2, 3}, 0},
		{"full drops the newest", 2, []int{5, 6, 7, 8}, []int{5, 6}, 15},
		{"capacity below 1 is 1", 0, []int{3, 4}, []int{3}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewQueue(tc.capacity, func(n int) int64 { return int64(n) })
			for _, v := range tc.offers {
				q.Offer(v)
			}
			if q.Len() > q.Cap() {
				t.Fatalf("Len %d > Cap %d", q.Len(), q.Cap())
			}
			var got []int
			for {
				v, ok := q.TryTake()
				if !ok {
					break
				}
				got = append(got, v)
			}
			if !equalInts(got, tc.want) {
				t.Fatalf("took %v, want %v", got, tc.want)
			}
			if d := q.Dropped(); d != tc.dropped {
				t.Fatalf("Dropped = %d, want %d", d, tc.dropped)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestQueueWrapsAround: the ring buffer keeps FIFO order across many
// wrap-arounds, and a nil weight counts items.
func TestQueueWrapsAround(t *testing.T) {
	q := NewQueue[int](3, nil)
	next := 0
	for round := 0; round < 100; round++ {
		for i := 0; i < 2; i++ {
			if !q.Offer(round*2 + i) {
				t.Fatalf("offer %d refused", round*2+i)
			}
		}
		for i := 0; i < 2; i++ {
			v, ok := q.TryTake()
			if !ok || v != next {
				t.Fatalf("took %d %v, want %d", v, ok, next)
			}
			next++
		}
	}
	for i := 0; i < 5; i++ {
		q.Offer(i)
	}
	if q.Dropped() != 2 {
		t.Fatalf("Dropped = %d, want 2 (nil weight counts items)", q.Dropped())
	}
}

// TestQueueConcurrent: producers that outrun the consumer lose items, and
// every item is either taken once or counted as dropped.
func TestQueueConcurrent(t *testing.T) {
	q := NewQueue(8, func(int) int64 { return 1 })
	const producers, each = 4, 5000
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				q.Offer(i)
			}
		}()
	}
	done := make(chan int)
	go func() {
		n := 0
		for {
			if _, err := q.Take(context.Background()); err != nil {
				done <- n
				return
			}
			n++
		}
	}()
	wg.Wait()
	q.Close()
	taken := <-done
	if got := int64(taken) + q.Dropped(); got != producers*each {
		t.Fatalf("taken %d + dropped %d = %d, want %d", taken, q.Dropped(), got, producers*each)
	}
}

// TestQueueTakeEndsWithoutLeak: Take returns on an offer, on ctx's end and
// on Close (after the items left), and no goroutine is left behind.
func TestQueueTakeEndsWithoutLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	q := NewQueue[string](2, nil)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := q.Take(ctx)
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	q.Offer("a")
	if err := <-errs; err != nil {
		t.Fatalf("Take after Offer: %v", err)
	}
	cancel()
	for i := 0; i < 2; i++ {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("Take after cancel: %v", err)
		}
	}
	q.Offer("b")
	q.Close()
	if q.Offer("c") {
		t.Fatal("Offer after Close queued")
	}
	if v, err := q.Take(context.Background()); err != nil || v != "b" {
		t.Fatalf("Take after Close = %q, %v; want the item left", v, err)
	}
	if _, err := q.Take(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Take on a closed empty queue: %v", err)
	}
	if q.Dropped() != 0 {
		t.Fatalf("Dropped = %d after Close; a closed queue counts nothing", q.Dropped())
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestMessage(t *testing.T) {
	evs := []Event{
		{TS: 10, Kind: RequestStart, Req: 7, Detail: "GET /\u2028x"},
		{TS: 11, Kind: Dropped, Worker: 1, Arg: 3},
		{TS: 12, Kind: RequestEnd, Req: 5, Arg: 200},
	}
	m := AppendMessage([]byte("junk"), evs, [NumHops]int64{HopRate: 2})
	h, err := CheckMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Events: 3, ReqMin: 5, ReqMax: 7, TSFirst: 10, TSLast: 12}
	want.Drops[HopRing], want.Drops[HopRate] = 3, 2
	if h != want {
		t.Fatalf("header %+v, want %+v", h, want)
	}
	js := string(m.JSON())
	if !strings.HasPrefix(js, `{"t":"trace","dropped":5,"drops":{"ring":3,"rate":2},"events":[{"ts":10,`) {
		t.Fatalf("JSON %s", js)
	}
	got, err := m.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != evs[0] || got[1] != evs[1] || got[2] != evs[2] {
		t.Fatalf("events %+v", got)
	}
	// A message dropped at the WebSocket hop: its events count there, its
	// own drops at their hops, in the notice that replaces it.
	var tally DropTally
	tally.Add(HopWebSocket, h)
	drops, any := tally.Take()
	if !any {
		t.Fatal("tally empty")
	}
	n := Notice(drops)
	if js := string(n.JSON()); js != `{"t":"trace","dropped":8,"drops":{"ring":3,"rate":2,"websocket":3},"events":[]}` {
		t.Fatalf("notice %s", js)
	}
	if _, any := tally.Take(); any {
		t.Fatal("Take did not reset the tally")
	}
	bad := []struct {
		name string
		m    Message
	}{
		{"short", Message("RLT1")},
		{"no magic", append(Message("XXXX"), m[4:]...)},
		{"not a trace object", append(append(Message{}, m[:HeaderSize]...), `{"t":"workspace"}`...)},
		{"not UTF-8", append(append(Message{}, m[:HeaderSize]...), "{\"t\":\"trace\",\"x\":\"\xff\"}"...)},
	}
	for _, tc := range bad {
		if _, err := CheckMessage(tc.m); err == nil {
			t.Errorf("%s: CheckMessage accepted it", tc.name)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	evs := []Event{
		{TS: 1, Kind: EpollWait, Arg: -1},
		{TS: 1 << 40, Kind: CoYield, Worker: 3, Gen: 2, FD: 9, Req: 1 << 33, Co: 77, Phase: "content", Source: "nginx.conf", Line: 12, Arg: -5, Arg2: 123456, Detail: "sleep 100ms \xff\n"},
		{TS: 5, Kind: Log, Phase: "content", Source: "nginx.conf", Detail: strings.Repeat("x", 300)},
	}
	var buf []byte
	for _, ev := range evs {
		buf = AppendBinary(buf, ev)
	}
	var r BinaryReader
	got, err := r.ReadAll(nil, buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(evs) {
		t.Fatalf("%d events, want %d", len(got), len(evs))
	}
	for i := range evs {
		if got[i] != evs[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], evs[i])
		}
	}
	for cut := 0; cut < len(buf); cut++ {
		if _, err := new(BinaryReader).ReadAll(nil, buf[:cut]); err == nil && cut != 0 && !boundary(buf, cut) {
			t.Fatalf("a cut at %d of %d read without error", cut, len(buf))
		}
	}
	if _, _, err := r.Read([]byte{200, 0}); err == nil {
		t.Fatal("unknown kind read")
	}
}

// boundary reports whether cut falls between two whole events of buf.
func boundary(buf []byte, cut int) bool {
	var r BinaryReader
	for off := 0; off < cut; {
		_, n, err := r.Read(buf[off:])
		if err != nil {
			return false
		}
		off += n
		if off == cut {
			return true
		}
	}
	return false
}

// TestAppendNextReusesTheBuffer: AppendNext appends to the caller's buffer
// (what was there stays, only the new events are sorted) and, handed the
// same buffer again, allocates nothing.
func TestAppendNextReusesTheBuffer(t *testing.T) {
	tr := New(2, 64)
	s := tr.Subscribe()
	defer s.Close()
	tr.Recorder(1).Emit(Event{Kind: Read, Arg: 1})
	tr.Recorder(0).Emit(Event{Kind: Read, Arg: 2})
	keep := Event{TS: 1 << 62, Kind: Write}
	got, err := s.AppendNext(context.Background(), []Event{keep}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != keep || got[1].Arg != 1 || got[2].Arg != 2 {
		t.Fatalf("got %+v", got)
	}
	buf := make([]Event, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		tr.Recorder(0).Emit(Event{Kind: Read})
		tr.Recorder(1).Emit(Event{Kind: Read})
		var err error
		buf, err = s.AppendNext(context.Background(), buf[:0], 10)
		if err != nil || len(buf) != 2 {
			t.Fatalf("%d events, %v", len(buf), err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch, want 0", allocs)
	}
}
