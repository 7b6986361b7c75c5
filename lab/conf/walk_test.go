package conf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLocationTree: the tree yields nested locations and if blocks, each
// after the location that holds them, and stops when asked to.
func TestLocationTree(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	src := `events {}
http {
    server {
        listen 127.0.0.1:1;
        location /a {
            location /a/b { return 200; }
            if ($arg_x) { return 201; }
        }
        location /c { return 204; }
    }
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Load(path, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for l := range LocationTree(cfg.HTTP.Servers[0].Locations) {
		got = append(got, l.Pattern)
	}
	if len(got) != 4 || got[0] != "/a" || got[1] != "/a/b" || got[3] != "/c" {
		t.Errorf("LocationTree = %q, want /a, /a/b, /a's if block, /c", got)
	}
	n := 0
	for range LocationTree(cfg.HTTP.Servers[0].Locations) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break after one: %d yielded", n)
	}
}
