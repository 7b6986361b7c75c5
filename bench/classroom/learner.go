package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Names of the timed operations.
const (
	opJoin   = "join"
	opPage   = "page"
	opStart  = "start"
	opApply  = "apply"
	opCheck  = "check"
	opBurst  = "burst"
	opWS     = "websocket"
	opHealth = "instance"
)

// learner is one simulated browser.
type learner struct {
	i       int
	base    string
	o       options
	rec     *recorder
	client  *http.Client
	jar     http.CookieJar
	session string
	solBody []byte // the lesson's solution as the editor posts it
}

// run is the learner's whole visit, until ctx ends or loadEnd passes.
func (l *learner) run(ctx context.Context, loadEnd time.Time) {
	if !l.open(ctx) {
		return
	}
	wctx, wcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.websocket(wctx)
	}()
	defer func() {
		wcancel()
		wg.Wait()
	}()
	if _, err := l.post(ctx, opStart, "/api/lessons/"+l.o.lesson+"/start", nil, nil); err != nil {
		return
	}
	l.page(ctx, "/lessons/"+l.o.lesson)
	// The page stays open until the end, whenever the last cycle ends.
	end := time.NewTimer(time.Until(loadEnd))
	defer end.Stop()
	// Spread the learners' cycles over the interval.
	first := time.Duration(l.i) * l.o.interval / time.Duration(l.o.n)
	select {
	case <-time.After(first):
	case <-end.C:
		return
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(l.o.interval)
	defer tick.Stop()
	for cycle := 1; time.Now().Before(loadEnd); cycle++ {
		l.cycle(ctx)
		if l.o.pageFreq > 0 && cycle%l.o.pageFreq == 0 && ctx.Err() == nil {
			l.page(ctx, "/lessons/"+l.o.lesson)
		}
		select {
		case <-tick.C:
		case <-end.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// open is the first visit: the session cookie (through /join with a code).
func (l *learner) open(ctx context.Context) bool {
	if l.o.join != "" {
		t := time.Now()
		form := url.Values{"code": {l.o.join}, "name": {fmt.Sprintf("learner %d", l.i)}, "to": {"/play"}}
		req, _ := http.NewRequestWithContext(ctx, "POST", l.base+"/join", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		body, err := l.do(req) // follows the 303 to /play
		if err == nil && !strings.Contains(string(body), `id="boot"`) {
			err = errors.New("POST /join did not end on the playground")
		}
		if l.rec.done(opJoin, t, err) != nil {
			return false
		}
	} else if !l.page(ctx, "/play") {
		return false
	}
	u, _ := url.Parse(l.base)
	for _, ck := range l.jar.Cookies(u) {
		if ck.Name == "restylab_session" {
			l.session = ck.Value
		}
	}
	if l.session == "" {
		l.rec.fail(opJoin, errors.New("no session cookie after the first visit"))
		return false
	}
	return true
}

// page loads an HTML page (the document; the browser keeps the static
// files in its cache).
func (l *learner) page(ctx context.Context, path string) bool {
	t := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "GET", l.base+path, nil)
	body, err := l.do(req)
	if err == nil && !strings.Contains(string(body), `id="boot"`) {
		err = fmt.Errorf("GET %s: not a lab page", path)
	}
	return l.rec.done(opPage, t, err) == nil
}

// cycle is what a learner does every interval: apply, check, burst.
func (l *learner) cycle(ctx context.Context) {
	var applied struct {
		OK    bool            `json:"ok"`
		Error json.RawMessage `json:"error"`
	}
	if _, err := l.post(ctx, opApply, "/api/apply", l.solBody, &applied); err != nil {
		return
	}
	if !applied.OK {
		l.rec.fail(opApply, fmt.Errorf("apply not ok: %s", applied.Error))
	}
	var checked struct {
		Score  float64 `json:"score"`
		Checks []struct {
			Name    string `json:"name"`
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		} `json:"checks"`
	}
	if _, err := l.post(ctx, opCheck, "/api/lessons/"+l.o.lesson+"/check", l.solBody, &checked); err != nil {
		return
	}
	if len(checked.Checks) == 0 {
		l.rec.fail(opCheck, errors.New("no checks in the answer"))
	}
	for _, c := range checked.Checks {
		if !c.OK {
			l.rec.fail(opCheck, fmt.Errorf("check %q failed on the solution: %s", c.Name, c.Message))
		}
	}
	burst, _ := json.Marshal(map[string]any{"method": "GET", "path": "/hello", "n": l.o.burst, "c": l.o.conc})
	var res struct {
		N         int            `json:"n"`
		OK        int            `json:"ok"`
		Errors    int            `json:"errors"`
		ErrorText []string       `json:"error_text"`
		Statuses  map[string]int `json:"statuses"`
		WallMS    float64        `json:"wall_ms"`
	}
	if _, err := l.post(ctx, opBurst, "/api/burst", burst, &res); err != nil {
		return
	}
	l.rec.burstServer(time.Duration(res.WallMS * float64(time.Millisecond)))
	if res.OK != l.o.burst || res.Errors != 0 {
		l.rec.fail(opBurst, fmt.Errorf("burst: %d ok of %d, %d errors, statuses %v %v", res.OK, l.o.burst, res.Errors, res.Statuses, res.ErrorText))
	}
}

// post sends an API call as the front end does (JSON, the session header)
// and records its wall time; out, when not nil, takes the JSON answer.
func (l *learner) post(ctx context.Context, op, path string, body []byte, out any) ([]byte, error) {
	t := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "POST", l.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Restylab-Session", l.session)
	b, err := l.do(req)
	d := time.Since(t)
	if err == nil && out != nil {
		if jerr := json.Unmarshal(b, out); jerr != nil {
			err = fmt.Errorf("POST %s: bad JSON: %w", path, jerr)
		}
	}
	if ctx.Err() != nil && err != nil {
		return nil, err // the run is ending: not the lab's error
	}
	l.rec.add(op, d, err)
	return b, err
}

// do sends req and reads the whole answer; a status other than 200 is an
// error.
func (l *learner) do(req *http.Request) ([]byte, error) {
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(b[:min(len(b), 200)]))
	}
	return b, nil
}

// wsIn is the part of a server message the learner reads.
type wsIn struct {
	T       string            `json:"t"`
	Events  []json.RawMessage `json:"events"`
	Dropped int64             `json:"dropped"`
	State   string            `json:"state"`
	Reason  string            `json:"reason"`
	RSS     int64             `json:"rss"`
	OK      *bool             `json:"ok"`
}

// websocket holds the page's WebSocket and reads every message until ctx
// ends; a connection lost before that is an error.
func (l *learner) websocket(ctx context.Context) {
	u := strings.Replace(l.base, "http://", "ws://", 1) + "/api/ws?session=" + url.QueryEscape(l.session)
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, EnableCompression: true, Jar: l.jar}
	conn, resp, err := d.DialContext(ctx, u, nil)
	if err != nil {
		if ctx.Err() == nil {
			if resp != nil {
				err = fmt.Errorf("%w (%s)", err, resp.Status)
			}
			l.rec.fail(opWS, fmt.Errorf("dial: %w", err))
		}
		return
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() == nil {
				l.rec.fail(opWS, fmt.Errorf("read: %w", err))
			}
			return
		}
		var m wsIn
		if err := json.Unmarshal(data, &m); err != nil {
			l.rec.fail(opWS, fmt.Errorf("bad message: %w", err))
			continue
		}
		l.rec.message(l.i, m)
		if m.T == "state" && m.State == "exited" && ctx.Err() == nil {
			l.rec.fail(opHealth, fmt.Errorf("instance exited: %s", m.Reason))
		}
	}
}

// newLearner makes learner i with a cookie jar of its own.
func newLearner(i int, base string, o options, rec *recorder, tr http.RoundTripper, sol []byte) *learner {
	jar, _ := cookiejar.New(nil)
	return &learner{i: i, base: base, o: o, rec: rec, jar: jar, solBody: sol,
		client: &http.Client{Jar: jar, Transport: tr, Timeout: 60 * time.Second}}
}
