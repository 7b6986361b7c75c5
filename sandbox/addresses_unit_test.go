package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/conf"
)

// loadListens loads an nginx.conf whose servers listen on addrs (one
// server each, in order).
func loadListens(t *testing.T, addrs ...string) *conf.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n")
	for _, a := range addrs {
		fmt.Fprintf(&b, " server { listen %s; }\n", a)
	}
	b.WriteString("}\n")
	dir := t.TempDir()
	p := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := conf.Load(p, dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestAssignPorts: kept addresses keep their port, new ones take the first
// free port of the set (a removed address's too), servers sharing an
// address share its port, and one address past the set is refused at its
// line.
func TestAssignPorts(t *testing.T) {
	pool := []int{41000, 41001, 41002}
	tests := []struct {
		name   string
		listen []string
		kept   map[string]int
		want   string // declared=port per server, or the error
	}{
		{"first load", []string{"80", "443", "127.0.0.1:8080"}, nil,
			"0.0.0.0:80=41000 0.0.0.0:443=41001 127.0.0.1:8080=41002"},
		{"one address, several servers", []string{"80", "80", "*:80"}, nil,
			"0.0.0.0:80=41000 0.0.0.0:80=41000 0.0.0.0:80=41000"},
		{"kept addresses keep their port", []string{"8080", "80"}, map[string]int{"0.0.0.0:80": 41002, "0.0.0.0:8080": 41000},
			"0.0.0.0:8080=41000 0.0.0.0:80=41002"},
		{"a new address takes a removed one's port", []string{"80", "9090"}, map[string]int{"0.0.0.0:80": 41001, "0.0.0.0:443": 41000},
			"0.0.0.0:80=41001 0.0.0.0:9090=41000"},
		{"a kept port outside the set is not kept", []string{"80"}, map[string]int{"0.0.0.0:80": 5},
			"0.0.0.0:80=41000"},
		{"past the set", []string{"80", "81", "82", "[::]:83"}, nil,
			"nginx.conf:6: too many listen addresses: listen [::]:83 is address number 4, and the lab serves at most 3 per workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadListens(t, tt.listen...)
			lerr := assignPorts(cfg, pool, tt.kept, filepath.Base)
			var got []string
			if lerr != nil {
				got = append(got, fmt.Sprintf("%s:%d: %s", lerr.File, lerr.Line, lerr.Message))
			} else {
				for _, s := range cfg.HTTP.Servers {
					for _, l := range s.Listens {
						got = append(got, fmt.Sprintf("%s=%s", l.Declared, strings.TrimPrefix(l.Addr, "127.0.0.1:")))
					}
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("got %s\nwant %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}
