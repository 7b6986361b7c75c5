// Command luavm times Lua workloads on the gopher-lua it is built with: the
// lab's fork (third_party/gopher-lua, go.mod's replace) or the upstream
// v1.1.2 it started from. bench/luavm/run.sh builds it both ways and runs
// the two binaries in turn, so the fork's fixes are measured against the
// unpatched VM in one run on one machine.
//
//	go run ./bench/luavm -rounds 5
//
// Each workload is a Lua function compiled once and called -calls times per
// round; a line per workload gives the best round's CPU nanoseconds per call
// (the process's, GC included).
// With -lua it prints the same workloads as a Lua script instead, which
// run.sh gives to LuaJIT (with and without its JIT compiler):
//
//	go run ./bench/luavm -lua | luajit -
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// workloads are what Lua handlers do: each body is the function called.
var workloads = []struct{ name, body string }{
	{"loop", "local s = 0 for i = 1, 1000 do s = s + i end return s"},
	{"table_fill", "local t = {} for i = 1, 200 do t[i] = i end return #t"},
	{"string_build", "local p = {} for i = 1, 100 do p[#p + 1] = 'k' .. i end return table.concat(p, ',')"},
	{"concat", "local s = '' for i = 1, 50 do s = s .. i .. ';' end return s"},
	{"method_call", "local o = {n = 0} function o:inc(d) self.n = self.n + d end for i = 1, 200 do o:inc(1) end return o.n"},
	{"number_format", "local p = {} for i = 1, 50 do p[i] = tostring(i / 3) end return p[50]"},
	{"multi_assign", "local a, b = 0, 1 for i = 1, 200 do a, b = b, a + b end return a"},
	{"string_format", "local s for i = 1, 50 do s = string.format('%d %5.2f %s', i, i / 7, 'x') end return s"},
	// the Lua of bench/run.sh's (e) and (f) handlers, without ngx.say
	{"handler_table", "local t = {} for i = 1, 200 do t[i] = i end return #t"},
	{"handler_string", `local p = {} for i = 1, 100 do p[i] = string.format("%d:%.2f", i, i / 7) .. "," .. i end return table.concat(p, ";")`},
}

// luaScript is the same workloads as one Lua script for LuaJIT (-lua): each
// function called calls times per round, the best round's CPU ns per call
// (os.clock) printed as the Go side prints it.
func luaScript(rounds, calls int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `local clock, rounds, calls = os.clock, %d, %d
local function bench(name, f)
  local best = math.huge
  for r = 1, rounds do
    local t = clock()
    for i = 1, calls do f() end
    best = math.min(best, clock() - t)
  end
  io.write(string.format("%%s\t%%d\n", name, best / calls * 1e9))
end
`, rounds, calls)
	for _, w := range workloads {
		fmt.Fprintf(&b, "bench(%q, function() %s end)\n", w.name, w.body)
	}
	return b.String()
}

// cpuTime is the process's CPU time (the garbage collector's threads
// included), as LuaJIT's os.clock measures it: on a shared machine, wall
// time would count the other tenants too.
func cpuTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		fmt.Fprintf(os.Stderr, "luavm: %v\n", err)
		os.Exit(1)
	}
	return time.Duration(ts.Nano())
}

func main() {
	rounds := flag.Int("rounds", 5, "rounds per workload (the best is kept)")
	calls := flag.Int("calls", 2000, "calls per round")
	script := flag.Bool("lua", false, "print the workloads as a Lua script for LuaJIT instead of running them")
	flag.Parse()
	if *script {
		fmt.Print(luaScript(*rounds, *calls))
		return
	}
	L := lua.NewState()
	defer L.Close()
	for _, w := range workloads {
		fn, err := L.LoadString(w.body)
		if err != nil {
			fmt.Fprintf(os.Stderr, "luavm: %s: %v\n", w.name, err)
			os.Exit(1)
		}
		best := time.Duration(1<<63 - 1)
		for r := 0; r < *rounds; r++ {
			start := cpuTime()
			for i := 0; i < *calls; i++ {
				L.Push(fn)
				if err := L.PCall(0, 1, nil); err != nil {
					fmt.Fprintf(os.Stderr, "luavm: %s: %v\n", w.name, err)
					os.Exit(1)
				}
				L.Pop(1)
			}
			best = min(best, cpuTime()-start)
		}
		fmt.Printf("%s\t%d\n", w.name, best.Nanoseconds()/int64(*calls))
	}
}
