package engine

import (
	"strconv"
	"strings"
	"testing"
)

// TestParseRanges checks the Range parser on the shapes the difftest range/
// cases show on nginx, plus sizes a request header cannot carry there
// (large_client_header_buffers stops a 10 000-range header first).
func TestParseRanges(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i) + "-" + strconv.Itoa(i))
		}
		return b.String()
	}
	cases := []struct {
		spec      string
		size      int64
		max       int
		want      rangeOutcome
		nparts    int
		firstPart byteRange
	}{
		{"0-4", 26, 100, rangesOK, 1, byteRange{0, 5}},
		{"20-", 26, 100, rangesOK, 1, byteRange{20, 26}},
		{"-3", 26, 100, rangesOK, 1, byteRange{23, 26}},
		{"-100", 26, 100, rangesOK, 1, byteRange{0, 26}},
		{" 2 - 3", 26, 100, rangesOK, 1, byteRange{2, 4}},
		{"24-1000", 26, 100, rangesOK, 1, byteRange{24, 26}},
		{"27-30", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"-0", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"5-3", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"x", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"1-2;", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"0-1,100-200", 26, 100, rangesOK, 1, byteRange{0, 2}},
		{"0-25,0-25", 26, 100, rangesDeclined, 0, byteRange{}},
		{"0-1,4-5", 26, 1, rangesDeclined, 0, byteRange{}},
		{"99999999999999999999-", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"-99999999999999999999", 26, 100, rangesUnsatisfied, 0, byteRange{}},
		{"5-10", 0, 100, rangesUnsatisfied, 0, byteRange{}},
		{"0-", 0, 100, rangesDeclined, 0, byteRange{}},
		{many(10000), 20000, 1 << 30, rangesOK, 10000, byteRange{0, 1}},
		{many(10000), 20000, 9999, rangesDeclined, 0, byteRange{}},
	}
	for _, c := range cases {
		name := c.spec
		if len(name) > 20 {
			name = name[:20] + "..."
		}
		t.Run(name, func(t *testing.T) {
			parts, got := parseRanges(c.spec, c.size, c.max)
			if got != c.want || len(parts) != c.nparts {
				t.Fatalf("parseRanges(%q, %d, %d) = %d parts, outcome %d; want %d parts, outcome %d",
					name, c.size, c.max, len(parts), got, c.nparts, c.want)
			}
			if c.nparts > 0 && parts[0] != c.firstPart {
				t.Errorf("first part %v, want %v", parts[0], c.firstPart)
			}
		})
	}
}
