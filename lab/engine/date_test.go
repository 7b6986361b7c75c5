package engine

import (
	"testing"
	"time"

	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/http1"
)

// TestDateHeaderCachedPerSecond: the Date header's value is formatted once
// per second of the loop's cached time (nginx's ngx_cached_http_time), not
// per response, and costs no allocation once formatted.
func TestDateHeaderCachedPerSecond(t *testing.T) {
	l, err := event.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w := &worker{loop: l}
	first := w.httpDate()
	was := string(first) // first is the cache itself: formatted over in place
	if want := string(http1.AppendHTTPDate(nil, l.Now())); was != want {
		t.Fatalf("Date %q, want %q", first, want)
	}
	if n := testing.AllocsPerRun(100, func() { w.httpDate() }); n != 0 {
		t.Fatalf("httpDate allocates %.0f times per call within a second, want 0", n)
	}
	first[0] = 'X' // a mark that formatting again would overwrite
	if again := w.httpDate(); again[0] != 'X' {
		t.Fatal("the value was formatted again within the same second")
	}
	sec := l.Now().Unix()
	for l.Now().Unix() == sec {
		time.Sleep(50 * time.Millisecond)
		l.UpdateTime()
	}
	if next, want := string(w.httpDate()), string(http1.AppendHTTPDate(nil, l.Now())); next != want || next == was {
		t.Fatalf("a second later: Date %q, want %q (was %q)", next, want, was)
	}
}
