package engine

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/oracle"
)

var updateAPIDoc = flag.Bool("update", false, "rewrite docs/api.md from the API table (TestAPIDoc)")

// apiDocPath is docs/api.md, from lab/engine.
var apiDocPath = filepath.Join("..", "..", "docs", "api.md")

// apiDocPhases are docs/api.md's phase columns, in nginx's order.
var apiDocPhases = []phase{phaseSet, phaseServerRewrite, phaseRewrite, phaseAccess, phaseContent, phaseHeaderFilter,
	phaseBodyFilter, phaseLog, phaseBalancer, phaseTimer, phaseInit, phaseInitWorker}

// renderAPIDoc is docs/api.md: apiTable by group, then apiMissing.
func renderAPIDoc() string {
	var b strings.Builder
	b.WriteString("<!-- Generated from lab/engine/apitable.go: do not edit; `go test ./lab/engine -run TestAPIDoc -update` rewrites it. -->\n")
	b.WriteString(`# The ngx API in RestyLab

Which ngx API may run in which phase of the lab's engine (lab/engine), which follows the "Context:" lines of
ngx_lua 0.10.23. One table in lab/engine/apitable.go is the source: the engine checks an API's phases from it
(the error is ngx_lua's "API disabled in the context of ..."), registers the yielding APIs from it, and this page is
generated from it.

- A phase column says whether the API may run there: "yes" or "-" (the call raises "API disabled in the context
  of ..."). timer is an ngx.timer callback, init is init_by_lua*, init_worker is init_worker_by_lua*,
  server_rewrite is server_rewrite_by_lua* (what rewrite_by_lua* may call except subrequests).
- An API that is "yes" everywhere has no context check in the lab: it runs in any context.
- yields: the call may suspend the calling coroutine until an event (I/O, a timer, another thread) resumes it;
  it works only where the coroutine can yield (server_rewrite, rewrite, access, content, timer).
- note: how the lab differs from ngx_lua, where it does.

`)
	for g := apiGroup(0); g < numGroups; g++ {
		fmt.Fprintf(&b, "## %s\n\n| API |", apiGroupTitles[g])
		for _, p := range apiDocPhases {
			fmt.Fprintf(&b, " %s |", p)
		}
		b.WriteString(" yields | note |\n|---|")
		for range apiDocPhases {
			b.WriteString(":-:|")
		}
		b.WriteString(":-:|---|\n")
		for _, e := range apiTable {
			if e.group != g {
				continue
			}
			fmt.Fprintf(&b, "| `%s` |", e.name)
			for _, p := range apiDocPhases {
				b.WriteString(yesNo(e.phases&(1<<p) != 0))
			}
			b.WriteString(yesNo(e.yields))
			fmt.Fprintf(&b, " %s |\n", strings.ReplaceAll(e.note, "|", `\|`))
		}
		b.WriteString("\n")
	}
	b.WriteString("## What the lab does not have\n\n")
	b.WriteString("Functions ngx_lua 0.10.23 with lua-resty-core exposes (found by walking the ngx table of the real nginx,\n")
	b.WriteString("TestNgxLuaAPIs) that the lab does not:\n\n")
	for _, m := range apiMissing {
		fmt.Fprintf(&b, "- `%s`", m.name)
		if m.note != "" {
			fmt.Fprintf(&b, ": %s", m.note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return " yes |"
	}
	return " - |"
}

// TestAPIDoc fails when docs/api.md is not what the API table generates;
// with -update it rewrites the file.
func TestAPIDoc(t *testing.T) {
	want := renderAPIDoc()
	if *updateAPIDoc {
		if err := os.WriteFile(apiDocPath, []byte(want), 0o644); err != nil {
			t.Fatalf("writing %s: %v", apiDocPath, err)
		}
		return
	}
	got, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatalf("reading %s: %v (go test ./lab/engine -run TestAPIDoc -update writes it)", apiDocPath, err)
	}
	if string(got) != want {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s is stale (go test ./lab/engine -run TestAPIDoc -update rewrites it); line %d:\n have %q\n want %q", apiDocPath, i+1, g, w)
			}
		}
	}
}

// TestNgxLuaAPIs walks the ngx table of the installed nginx + ngx_lua as
// TestAPITableMatchesNgx walks the engine's: what it finds must be the
// API table plus apiMissing, so docs/api.md's list of what the lab lacks
// is ngx_lua's, not a guess.
func TestNgxLuaAPIs(t *testing.T) {
	if err := oracle.Available(); err != nil {
		t.Skipf("no oracle nginx: %v", err)
	}
	s := oracle.Start(t, `
lua_shared_dict d 1m;
server {
    listen 127.0.0.1:{{PORT}};
    location /walk { content_by_lua_block {`+walkNgxLua+`} }
}`, oracle.Options{})
	exposed := map[string]bool{}
	for _, n := range strings.Split(s.Get(t, "/walk"), "\n") {
		exposed[n] = true
	}
	want := map[string]bool{}
	for i := range apiTable {
		want[exposedName(&apiTable[i])] = true
	}
	for _, m := range apiMissing {
		if want[m.name] {
			t.Errorf("%s is in apiTable and apiMissing", m.name)
		}
		want[m.name] = true
	}
	sameNames(t, exposed, want, "ngx_lua exposes %s: add it to apiTable or apiMissing", "%s is in apiTable or apiMissing but ngx_lua does not expose it")
}

// TestAPIUses checks the phase map's lists against what need() enforces:
// a sleep may be listed where ngx_lua lets a coroutine wait, never in a
// filter, and every phase the map draws has APIs.
func TestAPIUses(t *testing.T) {
	byPhase := map[string][]APIUse{}
	for _, u := range APIUses() {
		for _, p := range u.Phases {
			byPhase[p] = append(byPhase[p], u)
		}
	}
	has := func(phase, name string) (APIUse, bool) {
		for _, a := range byPhase[phase] {
			if a.Name == name {
				return a, true
			}
		}
		return APIUse{}, false
	}
	for _, tc := range []struct {
		phase, name string
		want        bool
	}{
		{"content", "ngx.sleep", true},
		{"rewrite", "ngx.req.read_body", true},
		{"timer", "tcpsock:receive", true},
		{"header_filter", "ngx.sleep", false},
		{"body_filter", "ngx.say", false},
		{"log", "ngx.socket.tcp", false},
		{"init", "ngx.timer.at", false},
		{"init_worker", "ngx.timer.at", true},
		{"set", "ngx.var (write)", true},
		{"content", "tcpsock:sslhandshake", false},     // not supported: left out
		{"header_filter", "tcpsock:settimeout", false}, // no socket there to call it on
		{"content", "tcpsock:settimeout", true},
	} {
		if _, ok := has(tc.phase, tc.name); ok != tc.want {
			t.Errorf("%s in %s: listed %v, want %v", tc.name, tc.phase, ok, tc.want)
		}
	}
	if a, _ := has("content", "ngx.sleep"); !a.Yields || a.Any {
		t.Errorf("ngx.sleep in content = %+v, want yields and not any", a)
	}
	if a, _ := has("log", "ngx.now"); !a.Any {
		t.Errorf("ngx.now in log = %+v, want any", a)
	}
	for _, p := range []string{"set", "rewrite", "access", "content", "header_filter", "body_filter", "log", "init", "init_worker", "timer", "balancer"} {
		if len(byPhase[p]) == 0 {
			t.Errorf("no API listed for %s", p)
		}
		for _, a := range byPhase[p] {
			if a.Yields && (p == "header_filter" || p == "body_filter" || p == "log" || p == "set" || p == "init" || p == "init_worker" || p == "balancer") {
				t.Errorf("%s lists %s, which yields: ngx_lua cannot wait there", p, a.Name)
			}
		}
	}
}
