package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/conf"
)

// TestSharedDictLimit: lua_shared_dict zones over Options.MaxSharedDictBytes
// do not load, and the error names the limit and the line that crosses it.
func TestSharedDictLimit(t *testing.T) {
	cases := []struct {
		name  string
		dicts string
		limit int64
		want  string // "" : loads
	}{
		{"one huge", "lua_shared_dict big 64g;", 128 << 20,
			`lua_shared_dict "big" of 64 GiB is over the lab's limit of 128 MiB for all lua_shared_dict zones in %s:5`},
		{"total", "lua_shared_dict a 100m;\nlua_shared_dict b 10m;\nlua_shared_dict c 20m;", 128 << 20,
			`lua_shared_dict "c" of 20 MiB brings the shared dicts to 130 MiB, over the lab's limit of 128 MiB for all lua_shared_dict zones in %s:7`},
		{"exactly the limit", "lua_shared_dict a 64m;\nlua_shared_dict b 64m;", 128 << 20, ""},
		{"no limit", "lua_shared_dict big 64g;", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := t.TempDir()
			if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(prefix, "nginx.conf")
			src := "error_log logs/error.log;\nevents {}\nhttp {\n    access_log off;\n" + tc.dicts +
				"\n    server { listen 127.0.0.1:1; }\n}\n"
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, _, err := conf.Load(path, prefix)
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(cfg, Options{MaxSharedDictBytes: tc.limit})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				e.ErrorLog().Close()
				return
			}
			want := strings.ReplaceAll(tc.want, "%s", path)
			if err == nil || err.Error() != want {
				t.Fatalf("got %v\nwant %s", err, want)
			}
		})
	}
}
