package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLuaFilePathEscape: a *_by_lua_file path built from request variables
// (`lua/$arg_f.lua`) reaches files outside the prefix by "..", an absolute
// value or a symbolic link. `restylab run` opens them as nginx would; a
// sandboxed instance refuses with 500 and an error_log line that says why,
// and still runs the workspace's own files.
func TestLuaFilePathEscape(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.lua")
	if err := os.WriteFile(secret, []byte(`ngx.say("escaped")`), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := `
    server {
        listen 127.0.0.1:{{PORT}};
        location /rel { content_by_lua_file lua/$arg_f.lua; }
        location /abs { content_by_lua_file $arg_p; }
    }`
	for _, sandbox := range []bool{false, true} {
		_, base, prefix := startEngine(t, 1, conf, Options{Sandbox: sandbox})
		if err := os.MkdirAll(filepath.Join(prefix, "lua"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(prefix, "lua/own.lua"), []byte(`ngx.say("own")`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(prefix, "lua/link.lua")); err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(filepath.Join(prefix, "lua"), strings.TrimSuffix(secret, ".lua"))
		if err != nil {
			t.Fatal(err)
		}
		rows := []struct{ name, target string }{
			{"dotdot", "/rel?f=" + rel},
			{"absolute", "/abs?p=" + secret},
			{"symlink", "/rel?f=link"},
		}
		for _, row := range rows {
			st, body := get(t, base+row.target)
			if !sandbox {
				if st != 200 || body != "escaped\n" {
					t.Errorf("run, %s: %d %q, want the file outside the prefix run as nginx runs it", row.name, st, body)
				}
				continue
			}
			if st != 500 || strings.Contains(body, "escaped") {
				t.Errorf("sandbox, %s: %d %q, want 500", row.name, st, body)
			}
		}
		if st, body := get(t, base+"/rel?f=own"); st != 200 || body != "own\n" {
			t.Errorf("sandbox=%v: own file: %d %q", sandbox, st, body)
		}
		if sandbox {
			log := readFile(t, filepath.Join(prefix, "logs/error.log"))
			if n := strings.Count(log, "the path is outside the workspace"); n != len(rows) {
				t.Errorf("sandbox: %d refusals logged, want %d:\n%s", n, len(rows), log)
			}
		}
	}
}
