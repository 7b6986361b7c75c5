// Command luavm times Lua workloads on the gopher-lua it is built with: the
// lab's fork (third_party/gopher-lua, go.mod's replace) or the upstream
// v1.1.2 it started from. bench/luavm/run.sh builds it both ways and runs
// the two binaries in turn, so the fork's fixes are measured against the
// unpatched VM in one run on one machine.
//
//	go run ./bench/luavm -rounds 5
//
// Each workload is a Lua function compiled once and called -calls times per
// round; a line per workload gives the best round's nanoseconds per call.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
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
}

func main() {
	rounds := flag.Int("rounds", 5, "rounds per workload (the best is kept)")
	calls := flag.Int("calls", 2000, "calls per round")
	flag.Parse()
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
			start := time.Now()
			for i := 0; i < *calls; i++ {
				L.Push(fn)
				if err := L.PCall(0, 1, nil); err != nil {
					fmt.Fprintf(os.Stderr, "luavm: %s: %v\n", w.name, err)
					os.Exit(1)
				}
				L.Pop(1)
			}
			best = min(best, time.Since(start))
		}
		fmt.Printf("%s\t%d\n", w.name, best.Nanoseconds()/int64(*calls))
	}
}
