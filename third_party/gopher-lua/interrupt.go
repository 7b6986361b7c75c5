package lua

import (
	"context"
	"sync/atomic"
)

// An Interrupter is a context that also keeps a flag the VM can load
// before each instruction: LState.SetContext with an Interrupter makes the
// VM look at Done only while the flag is set, instead of a select on the
// Done channel before every instruction. The flag must be set before (or
// when) Done closes and may stay set after; a set flag with Done still
// open costs only speed.
type Interrupter interface {
	context.Context
	// InterruptFlag returns the flag; the same pointer for the context's life.
	InterruptFlag() *atomic.Bool
}
