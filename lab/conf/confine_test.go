package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadConfined: a confined load reads files inside its root and refuses
// every file outside it (include, *_by_lua_file, a symlink out), in nginx's
// words, without echoing the file's content.
func TestLoadConfined(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.conf")
	if err := os.WriteFile(secret, []byte("top-secret-directive on;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "ok.conf"), []byte("default_type text/html;\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "lua"), 0o755)
	os.WriteFile(filepath.Join(root, "lua", "h.lua"), []byte("ngx.say(1)\n"), 0o644)
	if err := os.Symlink(secret, filepath.Join(root, "link.conf")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, http, wantErr string
	}{
		{"include inside", "include ok.conf;", ""},
		{"lua file inside", "server { listen 127.0.0.1:1; location / { content_by_lua_file lua/h.lua; } }", ""},
		{"include outside", "include " + secret + ";", "(13: Permission denied)"},
		{"include through a symlink", "include link.conf;", "(13: Permission denied)"},
		{"include by glob", "include " + outside + "/*.conf;", "(13: Permission denied)"},
		{"access log outside", "access_log " + outside + "/stolen.log;", "(13: Permission denied)"},
		{"access log climbing out", "access_log ../../../../../../tmp/stolen.log;", "(13: Permission denied)"},
		{"cache path inside", "proxy_cache_path cache levels=1:2 keys_zone=c:1m;", ""},
		{"cache path outside", "proxy_cache_path " + outside + "/cache keys_zone=c:1m;", "the lab keeps caches inside the workspace"},
		{"cache path climbing out", "proxy_cache_path ../../cache keys_zone=c:1m;", "the lab keeps caches inside the workspace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(root, "nginx.conf")
			os.WriteFile(path, []byte("events {}\nhttp {\n"+tc.http+"\n}\n"), 0o644)
			_, _, err := LoadConfined(path, root, root)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "top-secret") {
				t.Fatalf("the error echoes the outside file: %v", err)
			}
		})
	}
	// *_by_lua_file outside the root fails at request time, like a missing file
	path := filepath.Join(root, "nginx.conf")
	os.WriteFile(path, []byte("events {}\nhttp { server { listen 127.0.0.1:1; location / { content_by_lua_file "+secret+"; } } }\n"), 0o644)
	_, diags, err := LoadConfined(path, root, root)
	if err != nil || len(diags) != 1 || !strings.Contains(diags[0].Message, "Permission denied") {
		t.Fatalf("lua file outside: err %v diags %v", err, diags)
	}
}
