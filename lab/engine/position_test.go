package engine

import "testing"

func TestSourcePosition(t *testing.T) {
	tests := []struct {
		chunk    string
		line     int
		wantFile string
		wantLine int32
	}{
		{"content_by_lua(nginx.conf:12)", 1, "nginx.conf", 12},
		{"content_by_lua(nginx.conf:12)", 3, "nginx.conf", 14},
		{"access_by_lua(site.conf:5)", 2, "site.conf", 6},
		{"/tmp/ws1/lua/util.lua", 7, "/tmp/ws1/lua/util.lua", 7},
		{"@lua/m.lua", 2, "lua/m.lua", 2},
		{"weird(name)", 4, "weird(name)", 4},
	}
	for _, tt := range tests {
		file, line := sourcePosition(tt.chunk, tt.line)
		if file != tt.wantFile || line != tt.wantLine {
			t.Errorf("sourcePosition(%q, %d) = %q, %d; want %q, %d", tt.chunk, tt.line, file, line, tt.wantFile, tt.wantLine)
		}
	}
}
