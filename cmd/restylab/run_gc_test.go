package main

import (
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestRunGCPercent checks the GC target run sets: its default, the
// --gc-percent flag, and the GOGC variable winning over both.
func TestRunGCPercent(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "nginx.conf")
	if err := os.WriteFile(conf, []byte("events {}\nhttp {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	cases := []struct {
		name string
		gogc string // "" unset
		args []string
		want int
	}{
		{"default", "", nil, runGCPercent},
		{"flag", "", []string{"--gc-percent", "250"}, 250},
		{"GOGC wins", "150", []string{"--gc-percent", "250"}, 150},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.gogc != "" {
				t.Setenv("GOGC", c.gogc)
				debug.SetGCPercent(150) // what the runtime read from GOGC at start
			} else {
				t.Setenv("GOGC", "")
				debug.SetGCPercent(100)
			}
			args := append(append([]string{}, c.args...), "-t", "-c", conf)
			if code := runCmd(args, io.Discard, io.Discard); code != 0 {
				t.Fatalf("run %v: exit %d", args, code)
			}
			if got := debug.SetGCPercent(100); got != c.want {
				t.Errorf("run %v with GOGC=%q: GC percent %d, want %d", c.args, c.gogc, got, c.want)
			}
		})
	}
}
