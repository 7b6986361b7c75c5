package pm

import (
	"errors"
	"strings"
	"testing"
)

// A backtracking pattern on a long subject takes polynomial time with a
// high degree; the interrupt function stops it (RestyLab change).
func TestFindInterruptible(t *testing.T) {
	src := []byte(strings.Repeat("a", 3000))
	calls := 0
	stop := errors.New("CPU budget exceeded")
	_, err := FindInterruptible(".-.-.-.-.-b", src, 0, 1, func() error {
		calls++
		if calls == 100 {
			return stop
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "CPU budget exceeded") {
		t.Fatalf("err = %v, want the interrupt's error", err)
	}
	if calls != 100 {
		t.Fatalf("interrupt called %d times, want 100", calls)
	}

	// An ordinary match is unchanged and a nil interrupt is never called.
	for _, interrupt := range []func() error{nil, func() error { return nil }} {
		m, err := FindInterruptible("(%d+)-(%d+)", []byte("tel 030-1234"), 0, 1, interrupt)
		if err != nil || len(m) != 1 || m[0].Capture(2) != 4 || m[0].Capture(5) != 12 {
			t.Fatalf("match = %v, %v", m, err)
		}
	}
}
