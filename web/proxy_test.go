package web

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostileConf is a learner's workspace that attacks whoever visits its
// pages through /s/{session}/: /plant tries to plant the learner's own
// session id ("evil", replaced by the id) in the lab's session cookie in
// every spelling, sets cookies of its own and headers that act on the
// whole origin; /echo shows what the instance learns of the request.
const hostileConf = `worker_processes 1;
events { worker_connections 1024; }
http {
    server {
        listen 8080;
        location /plant {
            content_by_lua_block {
                ngx.header["Set-Cookie"] = {
                    [[restylab_session=evil; Path=/]],
                    [[__Host-restylab_session=evil; Path=/; Secure]],
                    [[__Secure-restylab_session=evil; Path=/; Secure]],
                    [[RESTYLAB_SESSION=evil; Path=/]],
                    [[__HOST-Restylab_Session=evil; Path=/; Secure]],
                    [[restylab_session=evil; Domain=127.0.0.1; Path=/]],
                    [[=restylab_session=evil; Path=/]],
                    [[restylab_lang=zh; Path=/]],
                    [[__Host-own=4; Path=/; Secure]],
                    [[mine=1; Path=/]],
                    [[scoped=2; Path=/app; Domain=attacker.example; HttpOnly]],
                    [[nopath=3]],
                }
                ngx.header["Clear-Site-Data"] = [["cookies", "storage"]]
                ngx.header["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                ngx.header["Alt-Svc"] = [[h2="attacker.example:443"]]
                ngx.header["NEL"] = [[{"report_to":"x","max_age":86400}]]
                ngx.header["Report-To"] = [[{"group":"x","max_age":86400,"endpoints":[{"url":"https://attacker.example/"}]}]]
                ngx.header["Sec-Session-Registration"] = [[(ES256);path="/reg";challenge="c"]]
                ngx.header["X-Own"] = "kept"
                ngx.say("planted")
            }
        }
        location /flood {
            content_by_lua_block {
                local t = {}
                for i = 1, 200 do t[i] = "flood" .. i .. "=x; Path=/" end
                ngx.header["Set-Cookie"] = t
                ngx.say("flooded")
            }
        }
        location /echo {
            content_by_lua_block {
                local h = ngx.req.get_headers()
                local c = h["cookie"]
                if type(c) == "table" then c = table.concat(c, " | ") end
                ngx.say("var: ", ngx.var.http_cookie or "nil")
                ngx.say("headers: ", c or "nil")
                ngx.say("session header: ", h["x-restylab-session"] or "nil")
                ngx.say("referer: ", h["referer"] or "nil")
            }
        }
    }
}
`

// visitor is another browser on lab l, with a cookie jar of its own.
func visitor(l *lab) *lab {
	l.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		l.t.Fatal(err)
	}
	v := *l
	v.client = &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: l.client.CheckRedirect}
	return &v
}

// attacker opens a session on l that serves hostileConf (planting its own
// id); it returns the id.
func attacker(l *lab) string {
	l.t.Helper()
	a := visitor(l)
	b := a.open()
	var res applyResult
	a.json("POST", "/api/apply", workspaceJSON{Conf: strings.ReplaceAll(hostileConf, "evil", b.Session)}, &res)
	if !res.OK {
		l.t.Fatalf("apply the hostile workspace: %+v", res)
	}
	return b.Session
}

// TestProxyScopesSetCookie: a learner's response cannot set any of the
// lab's cookies, whatever the spelling, and its own cookies come back
// scoped to the learner's /s/{session}/ without Domain; headers that act on
// the whole origin are gone, the learner's other headers pass.
func TestProxyScopesSetCookie(t *testing.T) {
	l := newLab(t, "")
	evil := attacker(l)
	v := visitor(l)
	mine := v.open()

	resp, err := v.client.Get(l.ts.URL + "/s/" + evil + "/plant")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "planted\n" {
		t.Fatalf("/plant: %d %q", resp.StatusCode, body)
	}
	got := resp.Header.Values("Set-Cookie")
	base := "/s/" + evil
	want := []string{
		"mine=1; Path=" + base + "/",
		"scoped=2; Path=" + base + "/app; HttpOnly",
		"nopath=3; Path=" + base + "/",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Set-Cookie through the proxy:\n got %q\nwant %q", got, want)
	}
	for _, h := range []string{"Clear-Site-Data", "Strict-Transport-Security", "Alt-Svc", "NEL", "Report-To", "Sec-Session-Registration"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s reached the client: %q", h, v)
		}
	}
	if own := resp.Header.Get("X-Own"); own != "kept" {
		t.Errorf("the learner's own header: %q", own)
	}

	// The visitor's browser still opens its own session, and the learner's
	// cookie is sent back to the learner's pages only.
	if b := v.open(); b.Session != mine.Session {
		t.Fatalf("after visiting /s/%s/plant, /play opened session %q, want the visitor's %q", evil, b.Session, mine.Session)
	}
	u, _ := url.Parse(l.ts.URL + "/play")
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name != sessionCookie && c.Name != "restylab_lang" {
			t.Errorf("cookie %s=%s reaches /play", c.Name, c.Value)
		}
	}
	u, _ = url.Parse(l.ts.URL + base + "/x")
	if cs := v.client.Jar.Cookies(u); !slices.ContainsFunc(cs, func(c *http.Cookie) bool { return c.Name == "mine" && c.Value == "1" }) {
		t.Errorf("the learner's own cookie does not come back to its pages: %v", cs)
	}
}

// TestProxyHidesLabCredentials: the learner's Lua does not see the
// visitor's session, neither in a cookie of any spelling nor in the
// X-Restylab-Session header, nor in a Referer from another session's page;
// the learner's own cookies pass.
func TestProxyHidesLabCredentials(t *testing.T) {
	l := newLab(t, "")
	evil := attacker(l)
	v := visitor(l)
	mine := v.open()
	tests := []struct {
		name    string
		cookies []string // Cookie header lines besides the visitor's session cookie
		session string   // X-Restylab-Session
		referer string
		want    []string
	}{
		{"the session cookie", nil, "", "", []string{"var: nil\n", "headers: nil\n", "session header: nil\n"}},
		{"own cookies kept, lab's dropped",
			[]string{"own=yes; RESTYLAB_SESSION=x; __Host-restylab_session=y", "__secure-Restylab_Theme=dark; other=2"}, mine.Session,
			"", []string{"var: own=yes; other=2\n", "headers: own=yes; other=2\n", "session header: nil\n"}},
		{"a referer from the visitor's own page", nil, "", l.ts.URL + "/s/" + mine.Session + "/page",
			[]string{"referer: " + l.ts.URL + "/\n"}},
		{"a referer from the attacker's own page", nil, "", l.ts.URL + "/s/" + evil + "/page",
			[]string{"referer: " + l.ts.URL + "/s/" + evil + "/page\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", l.ts.URL+"/s/"+evil+"/echo", nil)
			req.Header.Add("Cookie", sessionCookie+"="+mine.Session)
			for _, c := range tt.cookies {
				req.Header.Add("Cookie", c)
			}
			if tt.session != "" {
				req.Header.Set(sessionHeader, tt.session)
			}
			if tt.referer != "" {
				req.Header.Set("Referer", tt.referer)
			}
			resp, err := http.DefaultClient.Do(req) // a jar would merge the Cookie lines
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/echo: %d %q", resp.StatusCode, body)
			}
			if strings.Contains(string(body), mine.Session) {
				t.Errorf("the learner's instance saw the visitor's session %s:\n%s", mine.Session, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("the instance saw\n%s\nwant a line %q", body, w)
				}
			}
		})
	}
}

// TestSessionCookieName: over HTTPS the session cookie is
// "__Host-restylab_session", Secure, and a plain "restylab_session" (which
// any page on the host could have planted) does not open a session;
// X-Forwarded-Proto counts only when the lab trusts a proxy.
func TestSessionCookieName(t *testing.T) {
	l := newLab(t, "")
	known := l.open().Session // a real session, as a planted cookie would name
	tlsSrv := httptest.NewTLSServer(l.srv.Handler())
	t.Cleanup(tlsSrv.Close)
	tests := []struct {
		name       string
		url        string
		trustProxy bool
		proto      string
		wantName   string
		wantSecure bool
	}{
		{"plain HTTP", l.ts.URL, false, "", sessionCookie, false},
		{"TLS", tlsSrv.URL, false, "", secureSessionCookie, true},
		{"X-Forwarded-Proto without a trusted proxy", l.ts.URL, false, "https", sessionCookie, false},
		{"X-Forwarded-Proto from a trusted proxy", l.ts.URL, true, "https", secureSessionCookie, true},
		{"a trusted proxy on plain HTTP", l.ts.URL, true, "http", sessionCookie, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.srv.cfg.TrustProxy = tt.trustProxy
			t.Cleanup(func() { l.srv.cfg.TrustProxy = false })
			client := tlsSrv.Client()
			get := func(cookie *http.Cookie) (*http.Response, string) {
				t.Helper()
				req, _ := http.NewRequest("GET", tt.url+"/play", nil)
				if tt.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tt.proto)
				}
				if cookie != nil {
					req.AddCookie(cookie)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m := bootRE.FindSubmatch(page)
				if m == nil {
					t.Fatalf("/play: %d, no boot data", resp.StatusCode)
				}
				return resp, string(m[1])
			}
			resp, _ := get(nil)
			cs := resp.Cookies()
			i := slices.IndexFunc(cs, func(c *http.Cookie) bool { return strings.HasSuffix(c.Name, sessionCookie) })
			if i < 0 {
				t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
			}
			c := cs[i]
			if c.Name != tt.wantName || c.Secure != tt.wantSecure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Fatalf("session cookie %q, want %s, Secure %v, HttpOnly, SameSite=Lax, Path=/", resp.Header.Values("Set-Cookie"), tt.wantName, tt.wantSecure)
			}
			// The cookie that applies opens the session; the other name
			// does not.
			if _, boot := get(&http.Cookie{Name: tt.wantName, Value: known}); !strings.Contains(boot, `"session":"`+known+`"`) {
				t.Errorf("%s=%s did not open its session", tt.wantName, known)
			}
			other := secureSessionCookie
			if tt.wantName == secureSessionCookie {
				other = sessionCookie
			}
			if _, boot := get(&http.Cookie{Name: other, Value: known}); strings.Contains(boot, known) {
				t.Errorf("%s=%s opened that session", other, known)
			}
		})
	}
}

// TestProxyScrubsInterimResponses: an interim 103 response is scrubbed as
// the final one (httputil.ReverseProxy forwards 1xx headers before
// ModifyResponse). No instance sends a 1xx today; a raw backend does.
func TestProxyScrubsInterimResponses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
					return
				}
				io.WriteString(conn, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"+
					"Set-Cookie: restylab_session=evil; Path=/\r\nSet-Cookie: mine=1; Path=/\r\nClear-Site-Data: \"cookies\"\r\n\r\n"+
					"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nSet-Cookie: restylab_session=evil; Path=/\r\n\r\nok\n")
			}()
		}
	}()
	const id = "abcdefghijklmnopqrstuvwxyz"
	target := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		instanceProxy(target, "/s/"+id, "/x").ServeHTTP(informationalScrubber{ResponseWriter: w, prefix: "/s/" + id, reqPath: "/x"}, r)
	}))
	t.Cleanup(ts.Close)

	var interim []http.Header
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		interim = append(interim, http.Header(h).Clone())
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "GET", ts.URL+"/s/"+id+"/x", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("final response Set-Cookie %q", got)
	}
	if len(interim) != 1 {
		t.Fatalf("%d interim responses, want the 103", len(interim))
	}
	h := interim[0]
	if got, want := h.Values("Set-Cookie"), []string{"mine=1; Path=/s/" + id + "/"}; !slices.Equal(got, want) {
		t.Errorf("103 Set-Cookie %q, want %q", got, want)
	}
	if h.Get("Clear-Site-Data") != "" || h.Get("Link") == "" {
		t.Errorf("103 header %v: want Link and no Clear-Site-Data", h)
	}
}

// TestIsLabCookie: the names the proxy keeps away, in both directions.
func TestIsLabCookie(t *testing.T) {
	for _, tt := range []struct {
		name string
		lab  bool
	}{
		{"restylab_session", true},
		{"__Host-restylab_session", true},
		{"__host-RESTYLAB_SESSION", true},
		{"__Secure-__Host-restylab_session", true},
		{" restylab_theme", true},
		{"restylab_lang", true},
		{"__Secure-restylab_session_prev", true},
		{"restylab", false},
		{"my_restylab_session", false},
		{"session", false},
		{"__Host-own", false},
	} {
		if got := isLabCookie(tt.name); got != tt.lab {
			t.Errorf("isLabCookie(%q) = %v, want %v", tt.name, got, tt.lab)
		}
	}
}

// secureSessionCookie is the session cookie's name on HTTPS at the root of the host.
const secureSessionCookie = "__Host-" + sessionCookie
