package conf

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLoadGolden loads every testdata/load/*.conf and compares the JSON dump
// of the result (or the error) and the diagnostics with NAME.golden. A
// mismatch writes NAME.actual next to it; -update rewrites the golden files.
func TestLoadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/load/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".conf")
		t.Run(name, func(t *testing.T) {
			got := dump(t, f)
			golden := strings.TrimSuffix(f, ".conf") + ".golden"
			actual := strings.TrimSuffix(f, ".conf") + ".actual"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if string(got) != string(want) {
				_ = os.WriteFile(actual, got, 0o644)
				t.Errorf("output differs from %s; see %s", golden, actual)
			} else {
				_ = os.Remove(actual)
			}
		})
	}
}

// dump renders Load's results with the testdata directory as $DIR.
func dump(t *testing.T, file string) []byte {
	t.Helper()
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags, err := Load(file, "")
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %s\n", err)
	}
	for _, d := range diags {
		fmt.Fprintf(&b, "diagnostic: %s:%d: %s\n", d.Pos.File, d.Pos.Line, d.Message)
	}
	if cfg != nil {
		if cfg.WorkerProcesses < 1 {
			t.Errorf("WorkerProcesses = %d", cfg.WorkerProcesses)
		}
		j, err := json.MarshalIndent(cfg, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return []byte(strings.ReplaceAll(b.String(), dir, "$DIR"))
}
