package parse

import (
	"errors"
	"strings"
	"testing"
)

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestParseReaderError: a reader that fails gives an error, not a panic.
func TestParseReaderError(t *testing.T) {
	_, err := Parse(failingReader{}, "f")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Parse of a failing reader: %v, want the reader's error", err)
	}
}
