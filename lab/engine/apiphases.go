package engine

import "strings"

// APIUse is one ngx API with the phases where it may run, as the web lab's
// phase map shows it.
type APIUse struct {
	// Name is the API as docs/api.md names it: "ngx.say",
	// "tcpsock:receive", "ngx.var (write)".
	Name string
	// Phases are nginx's names of the phases (and "timer") where ngx_lua
	// allows it, in the engine's phase order.
	Phases []string
	// Yields: calling it may suspend the coroutine until an event resumes
	// it (it is how Lua code waits without blocking the worker).
	Yields bool
	// Any: it works in every phase and in timers.
	Any bool
}

// APIUses lists the ngx APIs with the phases ngx_lua allows them in, in
// docs/api.md's order, from the API table that the engine enforces. APIs
// the lab does not support are left out.
func APIUses() []APIUse {
	var out []APIUse
	for _, e := range apiTable {
		if strings.HasPrefix(e.note, "not supported") {
			continue
		}
		phases := e.phases
		if e.kind == kindSock && phases == inAll {
			// a socket method without a check of its own runs only where
			// a socket can be made
			phases = inCosocket
		}
		u := APIUse{Name: e.name, Yields: e.yields, Any: phases&inAll == inAll}
		for p := phaseSet; p <= phaseSSLClientHello; p++ {
			if phases&(1<<p) != 0 {
				u.Phases = append(u.Phases, p.String())
			}
		}
		out = append(out, u)
	}
	return out
}
