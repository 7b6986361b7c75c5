package trace

import "runtime"

// spinWait lets the producer finish copying one slot (tens of nanoseconds).
func spinWait() { runtime.Gosched() }
