package lua

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flagContext is an Interrupter: cancel sets the flag, then closes Done.
type flagContext struct {
	context.Context
	cancel context.CancelFunc
	flag   atomic.Bool
}

func newFlagContext() *flagContext {
	ctx, cancel := context.WithCancel(context.Background())
	return &flagContext{Context: ctx, cancel: cancel}
}

func (c *flagContext) InterruptFlag() *atomic.Bool { return &c.flag }

// TestInterrupterStopsTheLoop: with an Interrupter as the state's context
// a loop runs on while only the flag is set (Done still open) and stops
// with the context's error at the next instruction once Done closes; the
// VM then runs without it after RemoveContext.
func TestInterrupterStopsTheLoop(t *testing.T) {
	L := NewState()
	defer L.Close()
	ctx := newFlagContext()
	L.SetContext(ctx)
	ctx.flag.Store(true) // set, Done open: nothing stops
	if err := L.DoString(`local s = 0 for i = 1, 100000 do s = s + i end ok = s`); err != nil {
		t.Fatalf("a set flag with Done open stopped the code: %v", err)
	}
	if got := L.GetGlobal("ok"); got != LNumber(5000050000) {
		t.Fatalf("ok = %v", got)
	}
	ctx.flag.Store(false)
	done := make(chan error, 1)
	go func() { done <- L.DoString(`while true do end`) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the loop ended before the context did: %v", err)
	default:
	}
	ctx.flag.Store(true)
	ctx.cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
			t.Fatalf("error %v, want the context's", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop after the context ended")
	}
	L.RemoveContext()
	if err := L.DoString(`x = 1 + 1`); err != nil {
		t.Fatalf("after RemoveContext: %v", err)
	}
}
