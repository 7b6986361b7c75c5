package lua

import "testing"

// handlerBenches are the Lua bodies of bench/run.sh's table and string
// scenarios (and a loop without a table, for the VM's arithmetic alone).
var handlerBenches = []struct{ name, src string }{
	{"TableFill200", `local t = {} for i = 1, 200 do t[i] = i end return #t`},
	{"TableFill2000", `local t = {} for i = 1, 2000 do t[i] = i end return #t`},
	{"StringBuild100", `local p = {} for i = 1, 100 do p[i] = string.format("%d:%.2f", i, i / 7) .. "," .. i end
		return table.concat(p, ";")`},
	{"Loop1000", `local s = 0 for i = 1, 1000 do s = s + i end return s`},
}

// BenchmarkHandler calls each body, compiled once, as a handler would run.
func BenchmarkHandler(b *testing.B) {
	for _, h := range handlerBenches {
		b.Run(h.name, func(b *testing.B) {
			L := NewState()
			defer L.Close()
			fn, err := L.LoadString(h.src)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				L.Push(fn)
				L.Call(0, 1)
				L.Pop(1)
			}
		})
	}
}
