package engine

import "testing"

// BenchmarkRequestVM measures what lua_code_cache off costs per request
// beyond the handler: making a fresh VM (the worker is idle meanwhile).
func BenchmarkRequestVM(b *testing.B) {
	e, _, _ := startEngine(b, 1, "lua_code_cache off;\nserver { listen 127.0.0.1:{{PORT}}; location / { content_by_lua_block { ngx.say(1) } } }", Options{})
	w := e.workers[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.newVM(); err != nil {
			b.Fatal(err)
		}
	}
}
