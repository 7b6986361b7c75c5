package lua

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPatternStopsWithContext: string.find, match, gmatch and gsub stop a
// runaway pattern when the state's context is done, with the context's
// error, as the VM stops a loop (RestyLab change).
func TestPatternStopsWithContext(t *testing.T) {
	for _, call := range []string{
		`string.find(s, ".-.-.-.-.-b")`,
		`string.match(s, ".-.-.-.-.-b")`,
		`for m in string.gmatch(s, ".-.-.-.-.-b") do end`,
		`string.gsub(s, ".-.-.-.-.-b", "x")`,
	} {
		L := NewState()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		L.SetContext(ctx)
		start := time.Now()
		err := L.DoString(`local s = string.rep("a", 3000) ` + call)
		cancel()
		L.Close()
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Fatalf("%s: err = %v, want the context's error", call, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s: stopped after %v", call, d)
		}
	}
}
