package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// twoServersBrowserConf is typed into the editor line by line (the editor
// indents): plain HTTP on 80 and HTTPS on 443, each saying which it is.
const twoServersBrowserConf = `worker_processes 1;
events { worker_connections 1024; }
http {
server {
listen 80;
location / {
content_by_lua_block { ngx.say("plain ", ngx.var.scheme) }
}
}
server {
listen 443 ssl;
ssl_certificate certs/a.test.crt;
ssl_certificate_key certs/a.test.key;
location / {
content_by_lua_block { ngx.say("secure ", ngx.var.scheme) }
}
}
}`

// TestBrowserListenAddresses: a learner applies a configuration of two
// servers (plain 80, ssl 443); the request panel lists both addresses,
// sends to the first by default and to 443 over HTTPS when picked (the
// curl command says /s/ID@443/); the burst panel reaches 443 over TLS; a
// reloaded page lists them again, in Chinese too.
func TestBrowserListenAddresses(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	typeConf(t, ctx, twoServersBrowserConf)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	if state := value(t, ctx, "read the apply state", chromedp.Evaluate[string](`document.querySelector('#apply-status').dataset.state`)); state != "ok" {
		t.Fatalf("apply: %s (%s)", state, value(t, ctx, "the apply status", chromedp.Text(chromedp.CSS(`#apply-status`))))
	}
	waitJS(t, ctx, "a running instance", instanceRunning, 10*time.Second)
	options := func(id string) string {
		t.Helper()
		return value(t, ctx, "read the addresses of "+id, chromedp.Evaluate[string](`[...document.querySelectorAll('#`+id+` option')].map(o => o.textContent).join(',')`))
	}
	run(t, ctx, "open the request panel", chromedp.Click(chromedp.CSS(`#tab-request`)), chromedp.WaitVisible(chromedp.CSS(`#req-listen`)))
	if got := options("req-listen"); got != "80,443 ssl" {
		t.Fatalf("the request panel lists %q, want 80,443 ssl", got)
	}
	send := func(listen, want string, tls bool) string {
		t.Helper()
		_ = value(t, ctx, "forget the last answer", chromedp.Evaluate[bool](`(() => { document.querySelector('#send-result').replaceChildren(); document.querySelector('#send-result').dataset.status = ''; return true; })()`))
		run(t, ctx, "send to "+listen,
			chromedp.SetValue(chromedp.CSS(`#req-listen`), listen),
			chromedp.Click(chromedp.CSS(`#send`)))
		waitJS(t, ctx, "the response", `['200', 'error'].includes(document.querySelector('#send-result').dataset.status)`, 20*time.Second)
		body := value(t, ctx, "read the body", chromedp.Text(chromedp.CSS(`#send-result .resp-body`)))
		if strings.TrimSpace(body) != want {
			t.Fatalf("%s answered %q, want %q (%s)", listen, body, want, value(t, ctx, "the result", chromedp.Text(chromedp.CSS(`#send-result`))))
		}
		if shown := value(t, ctx, "is there a TLS block", chromedp.Evaluate[bool](`!!document.querySelector('#send-tls')`)); shown != tls {
			t.Fatalf("%s: TLS block shown %v, want %v", listen, shown, tls)
		}
		return value(t, ctx, "read the curl command", chromedp.Text(chromedp.CSS(`#curl`)))
	}
	session := value(t, ctx, "the session", chromedp.Evaluate[string](`JSON.parse(document.querySelector('#boot').textContent).session`))
	if curl := send("80", "plain http", false); !strings.Contains(curl, "/s/"+session+"/'") {
		t.Errorf("curl for 80: %s, want /s/%s/", curl, session)
	}
	if curl := send("443", "secure https", true); !strings.Contains(curl, "/s/"+session+"@443/'") {
		t.Errorf("curl for 443: %s, want /s/%s@443/", curl, session)
	}
	screenshot(t, ctx, "listen-443")
	if curl := send("80", "plain http", false); strings.Contains(curl, "@") {
		t.Errorf("back to 80: curl %s", curl)
	}

	// the burst panel has its own choice
	run(t, ctx, "pick 443 for the burst", chromedp.Click(chromedp.CSS(`#tab-burst`)), chromedp.WaitVisible(chromedp.CSS(`#burst-listen`)),
		chromedp.SetValue(chromedp.CSS(`#burst-listen`), "443"))
	if got := options("burst-listen"); got != "80,443 ssl" {
		t.Fatalf("the burst panel lists %q", got)
	}
	fireBurst(t, ctx, "10")
	if ok := value(t, ctx, "read the burst's answers", chromedp.Evaluate[string](`document.querySelector('#burst-summary').dataset.ok`)); ok != "10" {
		t.Fatalf("%s of 10 answered 2xx", ok)
	}
	if !value(t, ctx, "is the burst over TLS", chromedp.Evaluate[bool](`!!document.querySelector('#burst-tls')`)) {
		t.Fatal("the burst to 443 shows no TLS handshakes")
	}

	// a new page learns the addresses from the WebSocket's hello, in Chinese too
	run(t, ctx, "reload the page in Chinese",
		chromedp.Navigate(l.ts.URL+"/lang/zh?to=/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)))
	waitJS(t, ctx, "the addresses after a reload", `document.querySelectorAll('#req-listen option').length === 2`, 20*time.Second)
	label := value(t, ctx, "read the label", chromedp.Evaluate[string](`document.querySelector('#req-listen').parentElement.textContent`))
	if !strings.Contains(label, "地址") {
		t.Errorf("the Chinese label reads %q, want 地址", label)
	}
	send("443", "secure https", true)
}
