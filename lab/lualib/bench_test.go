package lualib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchLua compiles body as a function once and calls it b.N times.
func benchLua(b *testing.B, setup, body string) {
	b.Helper()
	L := newLab(b)
	if err := L.DoString(setup + "\nreturn function() " + body + " end"); err != nil {
		b.Fatal(err)
	}
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		L.Push(fn)
		if err := L.PCall(0, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
}

const benchDoc = `
cjson = require "cjson"
doc = { id = 12345, name = "RestyLab user", tags = {"lua", "nginx", "json"}, ok = true,
  nested = { a = 1.5, b = { c = "d/e", list = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10} } } }
text = cjson.encode(doc)`

func BenchmarkCJSONEncode(b *testing.B) { benchLua(b, benchDoc, `cjson.encode(doc)`) }

func BenchmarkCJSONDecode(b *testing.B) { benchLua(b, benchDoc, `cjson.decode(text)`) }

func BenchmarkTableConcat1000(b *testing.B) {
	benchLua(b, `t = {} for i = 1, 1000 do t[i] = "item" .. i end`, `table.concat(t, ",")`)
}
