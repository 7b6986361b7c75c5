//go:build unix

package lessons

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/oracle"
)

// requireOracle skips the test when real nginx + ngx_lua is not installed,
// unless RESTYLAB_REQUIRE_ORACLE is set (then it fails).
func requireOracle(t *testing.T) {
	t.Helper()
	if err := oracle.Available(); err != nil {
		if os.Getenv("RESTYLAB_REQUIRE_ORACLE") != "" {
			t.Fatal(err)
		}
		t.Skipf("%v (set RESTYLAB_REQUIRE_ORACLE=1 to make this a failure)", err)
	}
}

// TestLessonsOnNginx runs every ready lesson's reference solution and its
// second solution on real nginx + ngx_lua and expects every check to pass,
// without the assertions that need the trace (nginx records none): the
// responses, statuses, headers and error_log lines. A solution that passes
// on the engine (TestLessons) but fails here teaches something nginx does
// not do. A lesson that needs the lab (lesson.txt: "oracle: no (reason)")
// is skipped with its reason. The experiments of the reference solution
// must answer 200 on nginx too.
func TestLessonsOnNginx(t *testing.T) {
	requireOracle(t)
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, l := range all {
		if l.Status != Ready {
			continue
		}
		t.Run(fmt.Sprintf("%02d-%s", l.Order, l.ID), func(t *testing.T) {
			if l.LabOnly != "" {
				t.Skipf("lab-only (lesson.txt oracle: no): %s", l.LabOnly)
			}
			ol, left := withoutTrace(t, l)
			for _, s := range left {
				t.Logf("on nginx: %s", s)
			}
			if len(ol.Checks) == 0 {
				t.Skip("every check asserts only on the trace: nothing to run on nginx")
			}
			ran++
			for _, sol := range []struct {
				name string
				ws   Workspace
			}{{"solution", l.Solution}, {"solution2", l.Solution2}} {
				t.Run(sol.name, func(t *testing.T) {
					n := startNginx(t, sol.ws)
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					r := ol.Check(ctx, n, English)
					if r.Score != 100 {
						t.Errorf("on real nginx the %s scores %d, want 100 (it passes on the engine: TestLessons); failed:%s\n"+
							"If the lesson needs the lab, say so in lesson.txt: oracle: no (reason).\nnginx's error log:\n%s",
							sol.name, r.Score, failures(r), tail(n.ErrorLog(), 40))
					}
					if sol.name != "solution" {
						return
					}
					for _, ex := range l.Experiments {
						got, err := sendTo(ctx, n, ex.request())
						if err != nil {
							t.Errorf("experiment %q on nginx: %v", ex.Name.En, err)
							continue
						}
						for _, resp := range got {
							if resp.status != ex.Status {
								t.Errorf("experiment %q on nginx: status %d, want %d", ex.Name.En, resp.status, ex.Status)
								break
							}
						}
					}
				})
			}
		})
	}
	if ran == 0 {
		t.Error("no lesson ran on nginx")
	}
}

// withoutTrace returns l with only the assertions a Target without a trace
// can judge (responses, statuses, headers, error_log); a check left with
// none is dropped. It also returns what was left out, one line per check.
func withoutTrace(t *testing.T, l *Lesson) (*Lesson, []string) {
	t.Helper()
	cp := *l
	cp.Checks = nil
	var left []string
	for _, ck := range l.Checks {
		kept := ck
		kept.asserts = nil
		var dropped []string
		for _, a := range ck.asserts {
			if needsTrace(a) {
				dropped = append(dropped, describeTrace(a))
				continue
			}
			kept.asserts = append(kept.asserts, a)
		}
		if (len(dropped) > 0) != ck.NeedsTrace() {
			t.Errorf("check %q: NeedsTrace() is %v, but its trace assertions are %q", ck.Name.En, ck.NeedsTrace(), dropped)
		}
		switch {
		case len(dropped) == 0:
			cp.Checks = append(cp.Checks, ck)
		case len(kept.asserts) == 0:
			// its requests and wait still run: later checks may count on
			// them (a PUT, a timer's first tick)
			kept.needTrace = false
			cp.Checks = append(cp.Checks, kept)
			left = append(left, fmt.Sprintf("ran %q for its requests and wait only: it asserts only on the trace (%s)", ck.Name.En, strings.Join(dropped, "; ")))
		default:
			kept.needTrace = false
			cp.Checks = append(cp.Checks, kept)
			left = append(left, fmt.Sprintf("ran %q without its trace assertions (%s)", ck.Name.En, strings.Join(dropped, "; ")))
		}
	}
	return &cp, left
}

// needsTrace reports whether a is judged on the trace. Only the response
// and error_log assertions are known not to: an assertion added later
// counts as a trace one until it is listed here.
func needsTrace(a assertion) bool {
	switch a.(type) {
	case statusIs, bodyIs, bodyLike, bodiesAre, headerIs, logHas, certIs:
		return false
	}
	return true
}

// describeTrace names a trace assertion as checks.txt writes it.
func describeTrace(a assertion) string {
	switch a := a.(type) {
	case overlapAtLeast:
		return fmt.Sprintf("overlap >= %d", a.k)
	case wallUnder:
		return fmt.Sprintf("wall < %v", a.d)
	case sliceUnder:
		return fmt.Sprintf("max_slice < %v", a.d)
	case yieldOn:
		return "yield " + a.text
	case phaseBefore:
		return fmt.Sprintf("phase %s before %s", a.a, a.b)
	case timerEveryWorker:
		return "timer in every worker"
	case timerFires:
		return "timer fires"
	case requestsSeen:
		return fmt.Sprintf("requests == %d", a.n)
	case chunkRan:
		return "chunk " + a.text
	}
	return fmt.Sprintf("%T%+v", a, a)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(%d earlier lines)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
