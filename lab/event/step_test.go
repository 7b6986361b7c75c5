package event

import (
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

type describedPipe struct {
	fd  int
	ran *atomic.Int32
	l   *Loop
}

func (p describedPipe) OnEvent(uint32) {
	var b [8]byte
	unix.Read(p.fd, b[:])
	p.ran.Add(1)
	p.l.Post(func() { p.ran.Add(10) })
}

func (describedPipe) Describe() string { return "test pipe" }

// TestStepPending pauses a running loop, makes an fd ready and steps
// through its handler and the event it posts, checking at each stop what
// the loop says it would dispatch next.
func TestStepPending(t *testing.T) {
	l, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	holds := make(chan struct{}, 1)
	l.Hooks.Hold = func() {
		select {
		case holds <- struct{}{}:
		default:
		}
	}
	var ran atomic.Int32
	setup := make(chan struct{})
	l.Submit(func() {
		if err := l.Add(fds[0], unix.EPOLLIN, describedPipe{fd: fds[0], ran: &ran, l: l}); err != nil {
			t.Error(err)
		}
		l.AddTimer(10*time.Second, func() {}).Desc = "ngx.sleep 10s"
		close(setup)
	})
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		done <- l.Run()
	}()
	defer func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
		l.Close()
		unix.Close(fds[0])
	}()
	<-setup

	pipe := "fd " + strconv.Itoa(fds[0]) + " readable (test pipe)"
	tests := []struct {
		name    string
		do      func()
		want    []string // prefixes of Pending's lines
		wantRan int32
	}{
		{name: "pause while idle", do: l.Pause, want: []string{"timer ngx.sleep 10s due in 9."}},
		{name: "fd ready while paused", do: func() { unix.Write(fds[1], []byte("x")) },
			want: []string{pipe, "timer ngx.sleep 10s"}},
		{name: "step the fd handler", do: func() { l.Step(1) },
			want: []string{"posted event", "timer ngx.sleep 10s"}, wantRan: 1},
		{name: "step the posted event", do: func() { l.Step(1) },
			want: []string{"timer ngx.sleep 10s"}, wantRan: 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.do()
			var got []string
			deadline := time.After(5 * time.Second)
			for !matchPrefixes(got, tt.want) {
				select {
				case <-holds:
				case <-time.After(10 * time.Millisecond):
				case <-deadline:
					t.Fatalf("Pending() = %q, want %q", got, tt.want)
				}
				got = l.Pending()
			}
			if r := ran.Load(); r != tt.wantRan {
				t.Errorf("dispatched %d, want %d", r, tt.wantRan)
			}
			t.Logf("Pending(): %q", got)
		})
	}
	l.Resume()
	if p := l.Pending(); p != nil {
		t.Errorf("after Resume: Pending() = %q, want nil", p)
	}
}

func matchPrefixes(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			return false
		}
	}
	return true
}

func TestDueIn(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Millisecond, "due now"},
		{11500 * time.Microsecond, "due in 12 ms"},
		{3500 * time.Millisecond, "due in 3.5 s"},
		{time.Hour, "due in 1h0m0s"},
	}
	for _, tt := range tests {
		if got := dueIn(tt.d); got != tt.want {
			t.Errorf("dueIn(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
