package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchSource is the fork's _glua-tests concatenated, each file in a
// do ... end block.
func benchSource(b *testing.B) string {
	files, _ := filepath.Glob("../_glua-tests/*.lua")
	var sb strings.Builder
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		sb.WriteString("do\n")
		sb.Write(src)
		sb.WriteString("\nend\n")
	}
	return sb.String()
}

// BenchmarkParse parses the fork's _glua-tests (25 KB). The goyacc
// parser this one replaced took 1.20-1.25 ms per parse here, this one
// 1.10-1.15 ms (ORIGIN.md).
func BenchmarkParse(b *testing.B) {
	src := benchSource(b)
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(strings.NewReader(src), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
