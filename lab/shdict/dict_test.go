package shdict

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func TestDictOps(t *testing.T) {
	type step struct {
		op   func(d *Dict, clk *fakeClock) string
		want string
	}
	show := func(v Value, flags uint32, err error) string { return fmt.Sprintf("%v %d %v", v, flags, err) }
	get := func(k string) func(*Dict, *fakeClock) string {
		return func(d *Dict, _ *fakeClock) string { return show(d.Get(k)) }
	}
	set := func(mode StoreMode, k string, v Value, ttl time.Duration) func(*Dict, *fakeClock) string {
		return func(d *Dict, _ *fakeClock) string {
			f, err := d.Store(mode, k, v, ttl, 0)
			return fmt.Sprintf("%v %v", f, err)
		}
	}
	sleep := func(dur time.Duration) func(*Dict, *fakeClock) string {
		return func(_ *Dict, c *fakeClock) string { c.Advance(dur); return "" }
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"set get delete", []step{
			{set(ModeSet, "a", NumberValue(1), 0), "false <nil>"},
			{get("a"), "1 0 <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Delete("a")) }, "<nil>"},
			{get("a"), "nil 0 <nil>"},
		}},
		{"key rules", []step{
			{set(ModeSet, "", NumberValue(1), 0), "false empty key"},
			{get(string(make([]byte, MaxKeyLen+1))), "nil 0 key too long"},
			{set(ModeSet, string(make([]byte, MaxKeyLen)), BoolValue(true), 0), "false <nil>"},
		}},
		{"add replace", []step{
			{set(ModeAdd, "a", StringValue("x"), 0), "false <nil>"},
			{set(ModeAdd, "a", StringValue("y"), 0), "false exists"},
			{set(ModeReplace, "b", StringValue("y"), 0), "false not found"},
			{set(ModeReplace, "a", StringValue("longer"), 0), "false <nil>"},
			{get("a"), `"longer" 0 <nil>`},
		}},
		{"ttl with fake clock", []step{
			{set(ModeSet, "a", NumberValue(1), 1500*time.Millisecond), "false <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.TTL("a")) }, "1.5s <nil>"},
			{sleep(1501 * time.Millisecond), ""},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.GetStale("a")) }, "1 0 true <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.TTL("a")) }, "-1ms <nil>"},
			{get("a"), "nil 0 <nil>"}, // and removes it: it is the least recently used expired entry
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.GetStale("a")) }, "nil 0 false <nil>"},
			{set(ModeAdd, "a", NumberValue(2), 0), "false <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.TTL("a")) }, "0s <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Expire("zz", time.Second)) }, "not found"},
		}},
		{"incr", []step{
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Incr("n", 1, false, 0, 0)) }, "0 false not found"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Incr("n", 1, true, 10, time.Second)) }, "11 false <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Incr("n", -2, true, 10, 0)) }, "9 false <nil>"},
			{sleep(2 * time.Second), ""},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Incr("n", 1, false, 0, 0)) }, "0 false not found"},
			{set(ModeSet, "s", StringValue("1"), 0), "false <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Incr("s", 1, true, 0, 0)) }, "0 false not a number"},
		}},
		{"lists", []step{
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Push("l", NumberValue(1), true)) }, "1 <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Push("l", StringValue("b"), false)) }, "2 <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Push("l", BoolValue(true), false)) }, "0 bad value type"},
			{get("l"), "nil 0 value is a list"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Pop("l", false)) }, `"b" <nil>`},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Pop("l", true)) }, "1 <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Len("l")) }, "0 <nil>"},
			{set(ModeSet, "s", NumberValue(1), 0), "false <nil>"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.Push("s", NumberValue(1), true)) }, "0 value not a list"},
		}},
		{"flush", []step{
			{set(ModeSet, "a", NumberValue(1), time.Millisecond), "false <nil>"},
			{set(ModeSet, "b", NumberValue(1), 0), "false <nil>"},
			{sleep(time.Second), ""},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.GetKeys(0)) }, "[b]"},
			{func(d *Dict, _ *fakeClock) string { return fmt.Sprint(d.FlushExpired(0)) }, "1"},
			{func(d *Dict, _ *fakeClock) string { d.FlushAll(); return fmt.Sprint(d.GetKeys(0), d.FreeSpace()) }, "[] 1032192"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			d := New("d", 1<<20, clk.Now)
			for i, s := range tc.steps {
				if got := s.op(d, clk); got != s.want {
					t.Errorf("step %d: got %q, want %q", i, got, s.want)
				}
			}
		})
	}
}

func TestLRUEviction(t *testing.T) {
	d := New("tiny", 16<<10, nil) // 63 small entries fit (measured on nginx)
	for i := 1; i <= 63; i++ {
		if f, err := d.Set(fmt.Sprint("k", i), NumberValue(1), 0, 0); f || err != nil {
			t.Fatalf("set k%d: forcible=%v err=%v", i, f, err)
		}
	}
	if _, _, err := d.Get("k1"); err != nil { // k1 becomes most recently used
		t.Fatal(err)
	}
	f, err := d.Set("new", NumberValue(1), 0, 0)
	if !f || err != nil {
		t.Fatalf("set new: forcible=%v err=%v, want eviction", f, err)
	}
	if v, _, _ := d.Get("k2"); v.Kind != Nil {
		t.Errorf("k2 (least recently used) survived: %v", v)
	}
	if v, _, _ := d.Get("k1"); v.Kind != Number {
		t.Errorf("k1 (recently read) was evicted")
	}
	if _, err := d.Store(ModeSafeSet, "safe", NumberValue(1), 0, 0); !errors.Is(err, ErrNoMemory) {
		t.Errorf("safe_set on a full zone: %v, want no memory", err)
	}
	if _, err := d.Set("huge", StringValue(string(make([]byte, 64<<10))), 0, 0); !errors.Is(err, ErrNoMemory) {
		t.Errorf("value larger than the zone: %v, want no memory", err)
	}
}

func TestCheckCapacity(t *testing.T) {
	if err := CheckCapacity("d", 8<<10); !errors.Is(err, ErrNoMemory) {
		t.Errorf("8k: %v, want no memory (nginx fails to start)", err)
	}
	if err := CheckCapacity("d", 12<<10); err != nil {
		t.Errorf("12k: %v", err)
	}
}

// TestConcurrentLua hammers one dict from several goroutines, each with its
// own LState, as workers do; the counter must be exact.
func TestConcurrentLua(t *testing.T) {
	d := New("d", 1<<20, nil)
	const workers, iters = 4, 500
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			L := lua.NewState()
			defer L.Close()
			L.SetGlobal("shared", OpenLua(L, []*Dict{d}))
			L.SetGlobal("w", lua.LNumber(w))
			errs <- L.DoString(fmt.Sprintf(`
				local d = shared.d
				for i = 1, %d do
					assert(d:incr("n", 1, 0))
					d:set("w" .. w .. "_" .. i %% 50, i)
					d:rpush("q", i) d:lpop("q")
					d:get_keys(10)
				end`, iters))
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if v, _, _ := d.Get("n"); v.Num != workers*iters {
		t.Errorf("n = %v, want %d", v, workers*iters)
	}
}

func BenchmarkLuaGetSet(b *testing.B) {
	d := New("d", 1<<20, nil)
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("shared", OpenLua(L, []*Dict{d}))
	for _, bc := range []struct{ name, code string }{
		{"set", `local d = shared.d return function(n) for i = 1, n do d:set("key", i) end end`},
		{"get", `local d = shared.d d:set("key", "value") return function(n) for i = 1, n do d:get("key") end end`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := L.DoString(bc.code); err != nil {
				b.Fatal(err)
			}
			fn := L.Get(-1)
			L.Pop(1)
			b.ResetTimer()
			if err := L.CallByParam(lua.P{Fn: fn, Protect: true}, lua.LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
