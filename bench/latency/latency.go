// Package latency holds what the benchmark tools print about latencies:
// nearest-rank percentiles, milliseconds, and whether a goal is met. It is
// plain functions, safe from any goroutine.
package latency

import (
	"fmt"
	"time"
)

// Percentile returns the nearest-rank p-th percentile (1..100) of sorted,
// 0 for no samples.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max((len(sorted)*p+99)/100-1, 0)]
}

// Ms formats d in milliseconds with one decimal: "12.3ms".
func Ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// Met says whether a goal is met, in the words the figures use.
func Met(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
