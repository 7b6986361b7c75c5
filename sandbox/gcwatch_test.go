package sandbox

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestAfterEachGC: the memory watchdog's signal comes once per GC cycle
// (each cycle, not only the first) and stops with its context.
func TestAfterEachGC(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	gcs := afterEachGC(ctx)
	for i := 0; i < 3; i++ {
		runtime.GC()
		select {
		case <-gcs:
		case <-time.After(5 * time.Second):
			t.Fatalf("no signal 5 s after GC %d", i+1)
		}
	}
	cancel()
	runtime.GC() // a finalizer running as cancel came may still signal once
	time.Sleep(50 * time.Millisecond)
	select {
	case <-gcs:
	default:
	}
	runtime.GC()
	runtime.GC()
	select {
	case <-gcs:
		t.Fatal("a signal after the context ended")
	case <-time.After(100 * time.Millisecond):
	}
}
