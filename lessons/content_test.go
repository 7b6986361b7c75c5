package lessons

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/testserver"
)

// labServices are the lab's upstream services (redis.lab, echo.lab ...)
// for the lessons that use them, started once for the test binary.
var labServices = sync.OnceValues(func() (*testserver.Services, error) {
	return testserver.Start(context.Background(), testserver.Config{})
})

// startWorkspace serves ws in-process for the test's life, with the lab's
// services as a learner's instance has them.
func startWorkspace(t *testing.T, ws Workspace) *Engine {
	t.Helper()
	svc, err := labServices()
	if err != nil {
		t.Fatalf("the lab's services: %v", err)
	}
	e, err := StartEngineWith(ws, EngineOptions{Hosts: svc.HostMap()})
	if err != nil {
		t.Fatalf("workspace does not load: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close engine: %v", err)
		}
	})
	if w := e.Warnings(); len(w) > 0 {
		t.Fatalf("workspace loads with warnings: %s", strings.Join(w, "; "))
	}
	return e
}

func runChecks(t *testing.T, l *Lesson, ws Workspace, lang Lang) Result {
	t.Helper()
	e := startWorkspace(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return l.Check(ctx, e, lang)
}

func failures(r Result) string {
	var b strings.Builder
	for _, c := range r.Checks {
		if !c.OK {
			fmt.Fprintf(&b, "\n  %s: %s (hint: %s)", c.Name, c.Message, c.Hint)
		}
	}
	return b.String()
}

// TestLessons runs every ready lesson of the course: its starter loads,
// both solutions pass every check, the starter fails at least one (every
// task asks for a change), every experiment gets an answer.
func TestLessons(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if l.Status != Ready {
			continue
		}
		t.Run(fmt.Sprintf("%02d-%s", l.Order, l.ID), func(t *testing.T) {
			if len(l.Checks) < 3 {
				t.Errorf("%d checks, want at least 3", len(l.Checks))
			}
			if raceEnabled {
				l = withoutTimeLimits(t, l)
			}
			if len(l.Checks) == 0 {
				t.Skip("every check has a time limit")
			}
			if len(l.Experiments) == 0 {
				t.Error("no experiment")
			}
			for _, sol := range []struct {
				name string
				ws   Workspace
			}{{"solution", l.Solution}, {"solution2", l.Solution2}} {
				t.Run(sol.name, func(t *testing.T) {
					r := runChecks(t, l, sol.ws, English)
					if r.Score != 100 {
						t.Errorf("score %d, want 100; failed:%s", r.Score, failures(r))
					}
				})
			}
			t.Run("starter", func(t *testing.T) {
				r := runChecks(t, l, l.Starter, Chinese)
				if r.Score == 100 {
					t.Fatal("the starter passes every check: the task asks for nothing, or the checks assert nothing")
				}
				for _, c := range r.Checks {
					if c.OK {
						continue
					}
					if !hasHan(c.Message) || !strings.HasSuffix(c.Message, "。") || c.Hint == "" {
						t.Errorf("check %q: Chinese failure %q (hint %q), want a Chinese sentence and a hint", c.Name, c.Message, c.Hint)
					}
				}
				t.Logf("starter fails:%s", failures(r))
			})
			t.Run("experiments", func(t *testing.T) {
				e := startWorkspace(t, l.Solution)
				for _, ex := range l.Experiments {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					got, err := sendTo(ctx, e, ex.request())
					cancel()
					if err != nil {
						t.Errorf("experiment %q: %v", ex.Name.En, err)
						continue
					}
					for _, r := range got {
						if r.status != ex.Status {
							t.Errorf("experiment %q: status %d, want %d", ex.Name.En, r.status, ex.Status)
							break
						}
					}
				}
			})
		})
	}
}

// withoutTimeLimits returns l without its checks that assert a duration
// (under the race detector the engine is several times slower).
func withoutTimeLimits(t *testing.T, l *Lesson) *Lesson {
	t.Helper()
	cp := *l
	cp.Checks = nil
	for _, ck := range l.Checks {
		timed := false
		for _, a := range ck.asserts {
			switch a.(type) {
			case wallUnder, sliceUnder:
				timed = true
			}
		}
		if timed {
			t.Logf("race detector on: leaving out %q", ck.Name.En)
			continue
		}
		cp.Checks = append(cp.Checks, ck)
	}
	return &cp
}

// TestEngineReachesLabServices: a lesson's workspace reaches echo.lab as a
// learner's instance does, and nothing else (another loopback port).
func TestEngineReachesLabServices(t *testing.T) {
	conf := `events {}
http {
    server {
        listen 8080;
        location /echo {
            content_by_lua_block {
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect(ngx.var.arg_host, tonumber(ngx.var.arg_port))
                if not ok then ngx.say("refused: ", err) return end
                sock:send("hello\n")
                ngx.say(sock:receive())
            }
        }
    }
}
`
	e := startWorkspace(t, Workspace{Conf: conf})
	svc, _ := labServices()
	get := func(q string) string {
		t.Helper()
		resp, err := http.Get(e.BaseURL() + "/echo?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.TrimSpace(string(b))
	}
	if got := get("host=echo.lab&port=" + strings.Split(svc.HostMap()["echo.lab"], ":")[1]); got != "hello" {
		t.Fatalf("echo.lab answered %q", got)
	}
	// a listener of the test process is no lab service
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := get("host=127.0.0.1&port=" + strings.Split(ln.Addr().String(), ":")[1]); !strings.HasPrefix(got, "refused") {
		t.Fatalf("another loopback port answered %q", got)
	}
}
