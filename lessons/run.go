package lessons

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// Target is an instance serving the learner's workspace.
type Target interface {
	// BaseURL is where the instance serves HTTP, without a trailing
	// slash: "http://127.0.0.1:34567".
	BaseURL() string
	// Workers is the number of workers the instance runs.
	Workers() int
	// Record starts recording the instance's trace events and error_log
	// lines.
	Record(ctx context.Context) (Recording, error)
}

// Recording is a window of an instance's life being recorded.
type Recording interface {
	// Stop ends the window and returns what it holds: at least every event
	// and error_log line emitted between Record's return and Stop's call.
	Stop(ctx context.Context) (Window, error)
}

// Window is what an instance did while it was recorded.
type Window struct {
	// Events are the trace events of every worker, sorted by TS, without
	// "dropped" events.
	Events []trace.Event
	// Dropped counts the trace events lost (the sum of the "dropped"
	// events' counts).
	Dropped int64
	// ErrorLog holds the error_log lines, as nginx writes them.
	ErrorLog []string
	// LogDropped counts the error_log lines lost.
	LogDropped int64
}

// Result is the answer of a check of a lesson (POST /api/lessons/{id}/check).
type Result struct {
	Lesson string `json:"lesson"`
	// Score is the percentage of checks passed, 0..100.
	Score  int           `json:"score"`
	Checks []CheckResult `json:"checks"`
}

// CheckResult is the outcome of one check. Message and Hint are empty when
// it passed.
type CheckResult struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// Timing of a check.
const (
	// RequestTimeout bounds each request of a check when the context
	// given to Check has no deadline (with one, the deadline governs).
	RequestTimeout = 10 * time.Second
	// settle is how long the recording goes on after the last response,
	// so that the log phase and request_end of the last requests, which
	// follow the response, are in the window.
	settle = 50 * time.Millisecond
	// maxBodyRead is the most of a response body a check reads.
	maxBodyRead = 1 << 20
)

// Check runs every check of the lesson against t, one after the other, and
// words the result in lang. A check that cannot reach t fails with the
// reason; Check itself never fails.
func (l *Lesson) Check(ctx context.Context, t Target, lang Lang) Result {
	res := Result{Lesson: l.ID, Checks: []CheckResult{}}
	passed := 0
	for i := range l.Checks {
		ck := &l.Checks[i]
		r := CheckResult{Name: ck.Name.In(lang), OK: true}
		if m := ck.run(ctx, t); m != nil {
			r.OK, r.Message, r.Hint = false, sentence(m.In(lang), lang), ck.Hint.In(lang)
		} else {
			passed++
		}
		res.Checks = append(res.Checks, r)
	}
	res.Score = score(passed, len(l.Checks))
	return res
}

// NotLoaded is the result of a check whose workspace does not load: every
// check fails with one sentence that gives the load error.
func (l *Lesson) NotLoaded(loadErr error, lang Lang) Result {
	m := tr("your workspace does not load, so nothing could be checked: %v", "你的工作区加载失败，所以无法检查：%v", loadErr)
	res := Result{Lesson: l.ID, Checks: []CheckResult{}}
	for _, ck := range l.Checks {
		res.Checks = append(res.Checks, CheckResult{Name: ck.Name.In(lang), Message: sentence(m.In(lang), lang), Hint: ck.Hint.In(lang)})
	}
	return res
}

func score(passed, total int) int {
	if total == 0 {
		return 0
	}
	return passed * 100 / total
}

// sentence ends a message with a period in the language's style.
func sentence(s string, lang Lang) string {
	s = strings.TrimRight(s, ". 。")
	if lang == Chinese {
		return s + "。"
	}
	return s + "."
}

// run performs one check; nil when it passed.
func (ck *Check) run(ctx context.Context, t Target) *Text {
	rec, err := t.Record(ctx)
	if err != nil {
		return tr("could not record the instance's trace: %v", "无法记录实例的追踪：%v", err)
	}
	o := &outcome{req: ck.req, workers: max(t.Workers(), 1)}
	var sendErr error
	if ck.req != nil {
		o.responses, sendErr = sendTo(ctx, t, ck.req)
	}
	if sendErr == nil {
		wait := settle + time.Duration(ck.wait)*time.Millisecond
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	win, err := rec.Stop(context.WithoutCancel(ctx))
	if sendErr != nil {
		return tr("%s failed: %v", "%s 失败：%v", ck.req.describe(), sendErr)
	}
	if err != nil {
		return tr("could not record the instance's trace: %v", "无法记录实例的追踪：%v", err)
	}
	o.win = win
	for _, a := range ck.asserts {
		if m := a.check(o); m != nil {
			if ck.req != nil {
				m = &Text{En: ck.req.describe() + ": " + m.En, Zh: ck.req.describe() + "：" + m.Zh}
			}
			return m
		}
	}
	return nil
}

// sendTo sends req to the listen address it names on t (the first
// without one).
func sendTo(ctx context.Context, t Target, req *request) ([]response, error) {
	base, ssl, err := targetURL(t, req.listen)
	if err != nil {
		return nil, err
	}
	return send(ctx, base, ssl, req)
}

// send fires the check's requests, at most c at a time, each on a
// connection of its own; the first transport error ends it.
func send(ctx context.Context, base string, ssl bool, req *request) ([]response, error) {
	transport := &http.Transport{DisableKeepAlives: true, DisableCompression: true, MaxConnsPerHost: req.c}
	if req.sni != "" || ssl {
		// the lesson's certificates are its own (self-signed or the lab's
		// CA): a check looks at which one came, not at who signed it
		base = "https://" + strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
		name := req.sni
		if name == "-" {
			name = ""
		}
		transport.TLSClientConfig = &tls.Config{ServerName: name, InsecureSkipVerify: true}
	}
	client := &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a check looks at the redirect itself
		},
	}
	if _, ok := ctx.Deadline(); !ok {
		client.Timeout = RequestTimeout
	}
	defer client.CloseIdleConnections()
	out := make([]response, req.n)
	errs := make([]error, req.n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < req.c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = sendOne(ctx, client, base, req)
			}
		}()
	}
	for i := 0; i < req.n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, firstErr(errs)
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func sendOne(ctx context.Context, client *http.Client, base string, req *request) (response, error) {
	hr, err := http.NewRequestWithContext(ctx, req.method, base+req.target, strings.NewReader(req.body))
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	if req.body == "" {
		hr.Body, hr.ContentLength = http.NoBody, 0
	}
	hr.Header.Set("User-Agent", "restylab-check")
	if req.sni != "" && req.sni != "-" {
		hr.Host = req.sni // the Host picks the server as SNI did (more_headers may say otherwise)
	}
	for name, values := range req.headers {
		if strings.EqualFold(name, "Host") {
			hr.Host = values[0]
			continue
		}
		hr.Header[name] = values
	}
	resp, err := client.Do(hr)
	if err != nil {
		return response{}, unwrapURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	if err != nil {
		return response{}, fmt.Errorf("reading the response body: %w", err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		out.cert = resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	return out, nil
}

// unwrapURLError drops net/http's "Get "http://...": " prefix: the message
// names the request already.
func unwrapURLError(err error) error {
	if ue, ok := err.(interface{ Unwrap() error }); ok {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
