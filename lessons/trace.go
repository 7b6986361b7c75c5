package lessons

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// Lines of a "--- trace" section (docs/lessons.md has the reference):
//
//	overlap >= 10               at least 10 of the check's requests were in progress at once
//	wall < 300ms                the check's requests ran within 300 ms (first start to last end)
//	max_slice < 50ms            no coroutine ran 50 ms or more between a resume and its yield or exit
//	yield sleep                 some coroutine yielded with a reason containing "sleep"
//	phase rewrite before content  every request of the check entered rewrite before content
//	chunk lua/hello.lua         every request of the check ran a handler whose chunk name contains the text
//	timer in every worker       an ngx.timer callback fired in each worker
//
// The check's requests are the main requests (request_start with no parent)
// whose request line is the check's; max_slice, yield and timer look at
// every coroutine of the window (requests, subrequests and timers alike:
// a timer's long slice stalls the worker as much as a handler's).

// phaseNames are the phases the trace names.
var phaseNames = map[string]bool{
	"set": true, "rewrite": true, "access": true, "content": true, "balancer": true,
	"header_filter": true, "body_filter": true, "log": true,
}

// parseTraceLine reads one line of "--- trace".
func parseTraceLine(ln string) (assertion, error) {
	f := strings.Fields(ln)
	bound := func(op string) (string, error) {
		if len(f) < 3 || f[1] != op {
			return "", fmt.Errorf("bad trace line %q: want \"%s %s N\"", ln, f[0], op)
		}
		return strings.Join(f[2:], ""), nil
	}
	duration := func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("bad duration %q in trace line %q: want e.g. 50ms", s, ln)
		}
		return d, nil
	}
	if len(f) == 0 {
		return nil, errors.New("empty line in --- trace")
	}
	switch f[0] {
	case "overlap":
		s, err := bound(">=")
		if err != nil {
			return nil, err
		}
		k, err := strconv.Atoi(s)
		if err != nil || k < 2 {
			return nil, fmt.Errorf("bad overlap %q: want a count of at least 2", s)
		}
		return overlapAtLeast{k}, nil
	case "wall", "max_slice":
		s, err := bound("<")
		if err != nil {
			return nil, err
		}
		d, err := duration(s)
		if err != nil {
			return nil, err
		}
		if f[0] == "wall" {
			return wallUnder{d}, nil
		}
		return sliceUnder{d}, nil
	case "yield":
		text := strings.Trim(strings.TrimSpace(strings.TrimPrefix(ln, "yield")), `"`)
		if text == "" {
			return nil, fmt.Errorf("bad trace line %q: want \"yield TEXT\", e.g. \"yield read fd\"", ln)
		}
		return yieldOn{text}, nil
	case "phase":
		if len(f) != 4 || f[2] != "before" || !phaseNames[f[1]] || !phaseNames[f[3]] || f[1] == f[3] {
			return nil, fmt.Errorf("bad trace line %q: want \"phase A before B\" with two phases among set, rewrite, access, content, balancer, header_filter, body_filter, log", ln)
		}
		return phaseBefore{f[1], f[3]}, nil
	case "timer":
		switch strings.Join(f, " ") {
		case "timer in every worker":
			return timerEveryWorker{}, nil
		case "timer fires":
			return timerFires{}, nil
		}
		return nil, fmt.Errorf("bad trace line %q: want \"timer fires\" or \"timer in every worker\"", ln)
	case "chunk":
		text := strings.TrimSpace(strings.TrimPrefix(ln, "chunk"))
		if text == "" {
			return nil, fmt.Errorf("bad trace line %q: want \"chunk TEXT\", e.g. \"chunk lua/hello.lua\"", ln)
		}
		return chunkRan{text}, nil
	case "requests":
		s, err := bound("==")
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad requests count %q: want a count of at least 1", s)
		}
		return requestsSeen{n}, nil
	}
	return nil, fmt.Errorf("unknown trace assertion %q (want overlap, wall, max_slice, yield, phase, chunk, timer or requests)", f[0])
}

// span is one of the check's requests on the trace.
type span struct {
	id         int64
	start, end int64 // ns; end is the window's last event when it did not end
	ended      bool
	phases     map[string]int64 // first phase_enter of each phase
	chunks     []string         // the chunk names its phases ran, in order
}

// traceView is the window's trace seen from one check.
type traceView struct {
	own  []*span
	last int64 // ts of the last event
}

// view analyses the window once for all the check's trace assertions.
func (o *outcome) view() *traceView {
	if o.tr != nil {
		return o.tr
	}
	v := &traceView{}
	byID := map[int64]*span{}
	for _, ev := range o.win.Events {
		v.last = max(v.last, ev.TS)
		switch ev.Kind {
		case trace.RequestStart:
			if o.req != nil && ev.Arg == 0 && ev.Detail == o.req.line() {
				s := &span{id: ev.Req, start: ev.TS, phases: map[string]int64{}}
				byID[ev.Req] = s
				v.own = append(v.own, s)
			}
		case trace.RequestEnd:
			if s := byID[ev.Req]; s != nil && !s.ended {
				s.end, s.ended = ev.TS, true
			}
		case trace.PhaseEnter:
			if s := byID[ev.Req]; s != nil {
				if _, seen := s.phases[ev.Phase]; !seen {
					s.phases[ev.Phase] = ev.TS
				}
				if ev.Source != "" {
					s.chunks = append(s.chunks, ev.Source)
				}
			}
		}
	}
	for _, s := range v.own {
		if !s.ended {
			s.end = v.last
		}
	}
	o.tr = v
	return v
}

// usable says why the trace cannot be checked, or nil.
func (o *outcome) usable(needOwn bool) *Text {
	if o.win.Dropped > 0 {
		return tr("the trace lost %d events while the check ran, so it cannot be checked: run the check again",
			"检查期间追踪丢失了 %d 个事件，无法检查：请再运行一次", o.win.Dropped)
	}
	if needOwn && len(o.view().own) == 0 {
		return tr("the trace shows none of the check's requests (%s)", "追踪中没有这个检查的请求（%s）", o.req.line())
	}
	return nil
}

// ms formats nanoseconds as milliseconds: "50", "12.5".
func ms(ns int64) string {
	return strings.TrimSuffix(strconv.FormatFloat(float64(ns)/1e6, 'f', 1, 64), ".0")
}

// overlapAtLeast is "overlap >= K".
type overlapAtLeast struct{ k int }

func (a overlapAtLeast) check(o *outcome) *Text {
	if m := o.usable(true); m != nil {
		return m
	}
	var spans []trace.Span
	for _, s := range o.view().own {
		spans = append(spans, trace.Span{Start: s.start, End: s.end})
	}
	most, _, _, _ := trace.Overlap(spans)
	if most >= a.k {
		return nil
	}
	return tr("expected at least %d requests in progress at once, the trace shows at most %d",
		"期望至少 %d 个请求同时在处理中，追踪显示最多 %d 个", a.k, most)
}

// wallUnder is "wall < D".
type wallUnder struct{ d time.Duration }

func (a wallUnder) check(o *outcome) *Text {
	if m := o.usable(true); m != nil {
		return m
	}
	own := o.view().own
	first, last := own[0].start, own[0].end
	for _, s := range own {
		first, last = min(first, s.start), max(last, s.end)
	}
	if took := last - first; took >= int64(a.d) {
		return tr("expected the %d requests to finish within %s ms, they took %s ms (first start to last end on the trace)",
			"期望 %d 个请求在 %s 毫秒内完成，实际用了 %s 毫秒（追踪上从第一个开始到最后一个结束）",
			len(own), ms(int64(a.d)), ms(took))
	}
	return nil
}

// sliceUnder is "max_slice < D".
type sliceUnder struct{ d time.Duration }

func (a sliceUnder) check(o *outcome) *Text {
	if m := o.usable(false); m != nil {
		return m
	}
	type key struct {
		worker int32
		co     int64
	}
	resumed := map[key]int64{}
	var worst int64
	var where trace.Event
	for _, ev := range o.win.Events {
		k := key{ev.Worker, ev.Co}
		switch ev.Kind {
		case trace.CoResume:
			resumed[k] = ev.TS
		case trace.CoYield, trace.CoExit:
			if t0, ok := resumed[k]; ok {
				delete(resumed, k)
				// the engine's trace carries the CPU time the run used
				// (arg2): a slice the machine's load stretched in wall
				// time is not the learner's doing
				d := ev.TS - t0
				if ev.Arg2 > 0 {
					d = ev.Arg2
				}
				if d > worst {
					worst, where = d, ev
				}
			}
		}
	}
	if worst < int64(a.d) {
		return nil
	}
	at := where.Phase
	if where.Source != "" && where.Line > 0 {
		at = fmt.Sprintf("%s, %s:%d", where.Phase, where.Source, where.Line)
	}
	return tr("expected no coroutine to run %s ms or more without yielding, one ran %s ms (%s)",
		"期望没有协程不让出地连续运行 %s 毫秒或更久，实际有一个运行了 %s 毫秒（%s）", ms(int64(a.d)), ms(worst), at)
}

// yieldOn is "yield TEXT".
type yieldOn struct{ text string }

func (a yieldOn) check(o *outcome) *Text {
	if m := o.usable(false); m != nil {
		return m
	}
	seen := map[string]bool{}
	var reasons []string
	for _, ev := range o.win.Events {
		if ev.Kind != trace.CoYield {
			continue
		}
		if strings.Contains(ev.Detail, a.text) {
			return nil
		}
		// "sleep 10ms" and "sleep 20ms" are one kind of reason
		r := strings.Fields(ev.Detail + " ?")[0]
		if !seen[r] && len(reasons) < 5 {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	if len(reasons) == 0 {
		return tr("expected a coroutine to yield on %s, none yielded at all", "期望有协程因 %s 让出，实际没有任何协程让出", show(a.text))
	}
	return tr("expected a coroutine to yield on %s, they yielded only on: %s", "期望有协程因 %s 让出，实际只因这些让出：%s",
		show(a.text), strings.Join(reasons, ", "))
}

// phaseBefore is "phase A before B".
type phaseBefore struct{ a, b string }

func (a phaseBefore) check(o *outcome) *Text {
	if m := o.usable(true); m != nil {
		return m
	}
	for _, s := range o.view().own {
		ta, okA := s.phases[a.a]
		tb, okB := s.phases[a.b]
		switch {
		case !okA:
			return tr("expected the %s phase before %s, request %d never ran %s", "期望 %s 阶段在 %s 之前，请求 %d 根本没有经过 %s 阶段", a.a, a.b, s.id, a.a)
		case !okB:
			return tr("expected the %s phase before %s, request %d never ran %s", "期望 %s 阶段在 %s 之前，请求 %d 根本没有经过 %s 阶段", a.a, a.b, s.id, a.b)
		case ta > tb:
			return tr("expected the %s phase before %s, request %d ran %s first", "期望 %s 阶段在 %s 之前，请求 %d 先执行了 %s", a.a, a.b, s.id, a.b)
		}
	}
	return nil
}

// timerEveryWorker is "timer in every worker".
type timerEveryWorker struct{}

func (timerEveryWorker) check(o *outcome) *Text {
	if m := o.usable(false); m != nil {
		return m
	}
	fired := map[int32]bool{}
	for _, ev := range o.win.Events {
		if ev.Kind == trace.TimerFire && ev.Detail == "ngx.timer" {
			fired[ev.Worker] = true
		}
	}
	if len(fired) >= o.workers {
		return nil
	}
	return tr("expected a timer to fire in each of the %d workers, it fired in %d", "期望定时器在全部 %d 个 worker 中触发，实际只在 %d 个中触发", o.workers, len(fired))
}

// timerFires is "timer fires": an ngx.timer callback ran in some worker
// (a refresher that only worker 0 starts is a correct answer).
type timerFires struct{}

func (timerFires) check(o *outcome) *Text {
	if m := o.usable(false); m != nil {
		return m
	}
	for _, ev := range o.win.Events {
		if ev.Kind == trace.TimerFire && ev.Detail == "ngx.timer" {
			return nil
		}
	}
	return tr("expected an ngx.timer callback to run while the check watched, none did",
		"期望检查期间有 ngx.timer 回调运行，实际一个也没有")
}

// requestsSeen is "requests == N": the check's request line reached the
// server as exactly N main requests (ngx.exec and internal redirects stay
// one request; a redirect the client followed would be two).
type requestsSeen struct{ n int }

func (a requestsSeen) check(o *outcome) *Text {
	if m := o.usable(false); m != nil {
		return m
	}
	if got := len(o.view().own); got != a.n {
		return tr("expected %d requests %s on the trace, it shows %d", "期望追踪中有 %d 个请求 %s，实际有 %d 个", a.n, o.req.line(), got)
	}
	return nil
}

// chunkRan is "chunk TEXT": every request of the check ran a Lua handler
// whose chunk name (a *_by_lua_file's path, or "content_by_lua(nginx.conf:12)")
// contains TEXT.
type chunkRan struct{ text string }

func (a chunkRan) check(o *outcome) *Text {
	if m := o.usable(true); m != nil {
		return m
	}
	for _, s := range o.view().own {
		if !slices.ContainsFunc(s.chunks, func(c string) bool { return strings.Contains(c, a.text) }) {
			ran := "no Lua"
			if len(s.chunks) > 0 {
				ran = strings.Join(s.chunks, ", ")
			}
			return tr("expected the request to run Lua from %s, request %d ran %s", "期望请求运行来自 %s 的 Lua 代码，请求 %d 运行的是 %s",
				show(a.text), s.id, ran)
		}
	}
	return nil
}
