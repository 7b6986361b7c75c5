package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/restylab/restylab/testserver/labca"
)

// sniBrowserConf is typed into the editor line by line (the editor
// indents): an ssl server whose ssl_certificate_by_lua loads the SNI
// name's certificate from redis.lab.
const sniBrowserConf = `worker_processes 1;
events { worker_connections 1024; }
http {
server {
listen 8443 ssl;
ssl_certificate certs/default.test.crt;
ssl_certificate_key certs/default.test.key;
ssl_certificate_by_lua_block {
local ssl = require "ngx.ssl"
local name = ssl.server_name()
if not name then return end
local red = require("resty.redis"):new()
assert(red:connect("redis.lab", 6379))
local crt = red:get("cert:" .. name)
local key = red:get("key:" .. name)
red:set_keepalive(10000, 4)
if crt == ngx.null then return end
ssl.clear_certs()
ssl.set_der_cert(ssl.cert_pem_to_der(crt))
ssl.set_der_priv_key(ssl.priv_key_pem_to_der(key))
}
location / {
content_by_lua_block {
ngx.say("hello ", ngx.var.ssl_server_name)
}
}
}
}`

// TestBrowserHTTPS: a learner types an ssl server whose
// ssl_certificate_by_lua picks the certificate by SNI, applies it, sends
// an HTTPS request with SNI b.test from the request panel and sees
// b.test's certificate (issued by the lab's CA, verified) beside the
// response, the handshake in the timeline (ClientHello, the ssl_cert phase
// with its coroutine, the outcome), the phase map's ssl node lit, and a
// burst over TLS counting b.test's certificate. Then the same panel in
// Chinese.
func TestBrowserHTTPS(t *testing.T) {
	l := newLabWithHosts(t)
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	typeConf(t, ctx, sniBrowserConf)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	if state := value(t, ctx, "read the apply state", chromedp.Evaluate[string](`document.querySelector('#apply-status').dataset.state`)); state != "ok" {
		t.Fatalf("apply: %s (%s)", state, value(t, ctx, "the apply status", chromedp.Text(chromedp.CSS(`#apply-status`))))
	}
	waitJS(t, ctx, "a running instance", instanceRunning, 10*time.Second)
	run(t, ctx, "clear the recording, send HTTPS with SNI b.test",
		chromedp.Click(chromedp.CSS(`#tl-clear`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#req-sni`)),
		chromedp.SetValue(chromedp.CSS(`#req-sni`), "b.test"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `['200', 'error'].includes(document.querySelector('#send-result').dataset.status)`, 20*time.Second)
	body := value(t, ctx, "read the body", chromedp.Text(chromedp.CSS(`#send-result .resp-body`)))
	if strings.TrimSpace(body) != "hello b.test" {
		t.Fatalf("the response body is %q, want hello b.test (%s)", body, value(t, ctx, "the result", chromedp.Text(chromedp.CSS(`#send-result`))))
	}
	type tlsShown struct {
		Subject, Issuer, Verified, Version, Cipher, Resumed, Text string
	}
	shown := value(t, ctx, "read the TLS block", chromedp.Evaluate[tlsShown](`(() => { const d = document.querySelector('#send-tls'); if (!d) return {}; return {subject: d.dataset.subject, issuer: d.dataset.issuer, verified: d.dataset.verified, version: d.dataset.version, cipher: d.dataset.cipher, resumed: d.dataset.resumed, text: d.textContent}; })()`))
	if shown.Subject != "b.test" || shown.Issuer != labca.CAName || shown.Verified != "true" || shown.Resumed != "false" || shown.Version == "" || shown.Cipher == "" {
		t.Fatalf("the TLS block shows %+v, want b.test's certificate issued by %s, verified, a new session", shown, labca.CAName)
	}
	for _, want := range []string{"The certificate the server picked", "b.test", labca.CAName, shown.Version, "Verified by the lab's CA"} {
		if !strings.Contains(shown.Text, want) {
			t.Errorf("the TLS block says %q, want %q in it", shown.Text, want)
		}
	}

	// the handshake in the timeline: its own lane with the ssl_cert phase and coroutine
	lanesJS := `JSON.parse(document.querySelector('.timeline-wrap').dataset.requestLanes || '[]')`
	waitJS(t, ctx, "the handshake's lane", `(() => { const ls = `+lanesJS+`; return ls.some(l => l.kind === 'tls' && l.tls.result) && ls.some(l => l.kind === 'request' && l.phases.length); })()`, 10*time.Second)
	var lanes []requestLane
	if err := json.Unmarshal([]byte(value(t, ctx, "read the lanes", chromedp.Evaluate[string](`document.querySelector('.timeline-wrap').dataset.requestLanes`))), &lanes); err != nil {
		t.Fatalf("data-request-lanes: %v", err)
	}
	var hs, req *requestLane
	for i := range lanes {
		switch lanes[i].Kind {
		case "tls":
			hs = &lanes[i]
		case "request":
			req = &lanes[i]
		}
	}
	if hs == nil || req == nil || hs.TLS == nil {
		t.Fatalf("lanes %+v: want a handshake and a request", lanes)
	}
	if hs.TLS.SNI != "b.test" || !strings.Contains(hs.TLS.Versions, "TLSv1.2") || !strings.HasPrefix(hs.TLS.Result, shown.Version+" ") || !strings.HasSuffix(hs.TLS.Result, " new") {
		t.Errorf("handshake %+v: want SNI b.test, the versions offered, %s ... new", hs.TLS, shown.Version)
	}
	if len(hs.Phases) != 1 || hs.Phases[0].Phase != "ssl_cert" || hs.Phases[0].Waits < 1 {
		t.Errorf("handshake phases %+v: want ssl_cert, waiting for redis.lab", hs.Phases)
	}
	if len(hs.Coroutines) != 1 || hs.Coroutines[0].Kind != "entry" || hs.Coroutines[0].Phase != "ssl_cert" {
		t.Errorf("handshake coroutines %+v: want the ssl_cert entry coroutine", hs.Coroutines)
	}
	if req.Label != "GET /" || req.Req == hs.Req {
		t.Errorf("request lane %+v", req)
	}
	if hs.Phases[0].X1 > req.Phases[0].X0 {
		t.Errorf("the handshake's ssl_cert ends at x=%v after the request's first phase begins at x=%v", hs.Phases[0].X1, req.Phases[0].X0)
	}
	waitJS(t, ctx, "the phase map's ssl node lit", `Number(document.querySelector('#phase-ssl').dataset.visits || 0) >= 1`, 5*time.Second)
	screenshot(t, ctx, "https-sni-handshake")

	// a burst over TLS with the panel's SNI name
	fireBurst(t, ctx, "20")
	certs := value(t, ctx, "read the burst's TLS", chromedp.Evaluate[string](`(() => { const b = document.querySelector('#burst-tls'); return b ? b.dataset.certs : ''; })()`))
	var byCert map[string]int
	if err := json.Unmarshal([]byte(certs), &byCert); err != nil || byCert["b.test"] < 1 || len(byCert) != 1 {
		t.Fatalf("burst certificates %q: want b.test's only", certs)
	}
	if ok := value(t, ctx, "read the burst's answers", chromedp.Evaluate[string](`document.querySelector('#burst-summary').dataset.ok`)); ok != "20" {
		t.Fatalf("%s of 20 answered 2xx over TLS", ok)
	}

	// the same panel in Chinese
	run(t, ctx, "switch to Chinese and send again",
		chromedp.Navigate(l.ts.URL+"/lang/zh?to=/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#req-sni`)),
		chromedp.SetValue(chromedp.CSS(`#req-sni`), "a.test"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the TLS block in Chinese", `(() => { const d = document.querySelector('#send-tls'); return !!d && d.dataset.subject === 'a.test'; })()`, 20*time.Second)
	zh := value(t, ctx, "read the Chinese TLS block", chromedp.Text(chromedp.CSS(`#send-tls`)))
	for _, want := range []string{"TLS 握手", "服务器选择的证书", "已由实验室的 CA"} {
		if !strings.Contains(zh, want) {
			t.Errorf("the Chinese TLS block says %q, want %q", zh, want)
		}
	}
}
