package web

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/restylab/restylab/testserver/labca"
)

// sniConf serves HTTPS with the lab's default.test certificate and picks
// the certificate of the SNI name in ssl_certificate_by_lua from
// redis.lab (cert:NAME, key:NAME), as the course's lesson does. The
// content says what the request saw of the handshake.
const sniConf = `worker_processes 1;
events { worker_connections 1024; }
http {
    server {
        listen 8443 ssl;
        ssl_certificate certs/default.test.crt;
        ssl_certificate_key certs/default.test.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;
        ssl_certificate_by_lua_block {
            local ssl = require "ngx.ssl"
            local name = ssl.server_name()
            if not name then return end
            local red = require("resty.redis"):new()
            red:set_timeout(2000)
            assert(red:connect("redis.lab", 6379))
            local crt = assert(red:get("cert:" .. name))
            local key = assert(red:get("key:" .. name))
            red:set_keepalive(10000, 4)
            if crt == ngx.null then return end
            assert(ssl.clear_certs())
            assert(ssl.set_der_cert(assert(ssl.cert_pem_to_der(crt))))
            assert(ssl.set_der_priv_key(assert(ssl.priv_key_pem_to_der(key))))
        }
        location / {
            content_by_lua_block {
                ngx.say(ngx.var.scheme, " ", ngx.var.ssl_server_name or "-", " ", ngx.var.host, " ", ngx.var.ssl_session_reused)
            }
        }
    }
}
`

// TestHTTPSSendBurstProxy applies an ssl server to a real instance and
// reaches it through the lab's endpoints: Send with several SNI names (the
// certificate picked by Lua from redis.lab, checked against the lab's CA),
// resumption, plain HTTP forced onto the ssl port, a burst over TLS and the
// /s/{session}/ proxy.
func TestHTTPSSendBurstProxy(t *testing.T) {
	l := newLabWithHosts(t)
	b := l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: sniConf}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sni, body, subject, key string
		verified                      bool
	}{
		{"a.test by Lua", "a.test", "https a.test a.test .\n", "a.test", "ECDSA", true},
		{"b.test by Lua", "b.test", "https b.test b.test .\n", "b.test", "ECDSA", true},
		// no entry in redis.lab: the server's own certificate, of another name
		{"unknown name", "c.test", "https c.test c.test .\n", "default.test", "RSA", false},
		{"no SNI", "", "https - localhost .\n", "default.test", "RSA", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent sendResult
			l.json("POST", "/api/send", sendRequest{Path: "/", SNI: tt.sni}, &sent)
			if sent.Error != "" || sent.Status != 200 || sent.Body != tt.body {
				t.Fatalf("send: status %d body %q error %q", sent.Status, sent.Body, sent.Error)
			}
			tl := sent.TLS
			if tl == nil || tl.Cert == nil {
				t.Fatalf("no TLS in the answer: %+v", sent)
			}
			if tl.SNI != tt.sni || tl.Cert.Subject != tt.subject || tl.Cert.Issuer != labca.CAName || tl.Cert.Key != tt.key {
				t.Errorf("tls %+v cert %+v; want subject %s issued by %s, %s key", tl, tl.Cert, tt.subject, labca.CAName, tt.key)
			}
			if tl.Verified != tt.verified || (tt.verified != (tl.VerifyError == "")) {
				t.Errorf("verified %v (%q), want %v", tl.Verified, tl.VerifyError, tt.verified)
			}
			if tl.Version != "TLSv1.3" || tl.Cipher == "" || tl.Resumed {
				t.Errorf("tls %+v: want a new TLSv1.3 handshake", tl)
			}
			if p, _ := ca.Pair(tt.subject); tl.Cert.Serial != strings.ToUpper(p.Leaf.SerialNumber.Text(16)) {
				t.Errorf("serial %s is not the lab's certificate of %s", tl.Cert.Serial, tt.subject)
			}
			if tt.sni != "" && !strings.Contains(sent.RawRequest, "Host: "+tt.sni+"\r\n") {
				t.Errorf("raw request %q: want the SNI name as Host", sent.RawRequest)
			}
		})
	}

	// resume: the second handshake of the session resumes the first's
	var first, second sendResult
	l.json("POST", "/api/send", sendRequest{Path: "/", SNI: "a.test", Resume: true}, &first)
	l.json("POST", "/api/send", sendRequest{Path: "/", SNI: "a.test", Resume: true}, &second)
	if first.TLS == nil || second.TLS == nil || first.TLS.Resumed || !second.TLS.Resumed || second.Body != "https a.test a.test r\n" {
		t.Fatalf("resume: first %+v, second %+v %q", first.TLS, second.TLS, second.Body)
	}

	// plain HTTP to the ssl port: nginx's 400, no TLS
	var plain sendResult
	l.json("POST", "/api/send", sendRequest{Path: "/", Scheme: "http"}, &plain)
	if plain.Status != 400 || plain.TLS != nil || !strings.Contains(plain.Body, "The plain HTTP request was sent to HTTPS port") {
		t.Fatalf("plain HTTP to the ssl port: %d %q tls %+v", plain.Status, plain.Body, plain.TLS)
	}
	if status, body := l.do("POST", "/api/send", sendRequest{Path: "/", SNI: "a b"}); status != http.StatusBadRequest || !strings.Contains(string(body), "bad SNI name") {
		t.Fatalf("bad SNI: %d %s", status, body)
	}

	// a burst over TLS: every request is served, the handshakes counted
	var burst burstResult
	l.json("POST", "/api/burst", sendRequest{Path: "/", SNI: "b.test", N: 40, C: 10}, &burst)
	if burst.OK != 40 || len(burst.Bodies) != 1 || burst.Bodies[0].Body != "https b.test b.test .\n" {
		t.Fatalf("burst: %+v", burst)
	}
	if burst.TLS == nil || burst.TLS.Handshakes < 10 || burst.TLS.Certs["b.test"] != burst.TLS.Handshakes || burst.TLS.Versions["TLSv1.3"] != burst.TLS.Handshakes {
		t.Fatalf("burst TLS: %+v", burst.TLS)
	}
	if burst.Traced != 40 || burst.TraceError != "" {
		t.Fatalf("burst figures %+v", burst.burstFigures)
	}

	// the proxy speaks TLS to the instance, the Host header's name as SNI
	req, _ := http.NewRequest("GET", l.ts.URL+"/s/"+b.Session+"/", nil)
	req.Host = "b.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "https b.test b.test .\n" {
		t.Fatalf("proxy: %d %q", resp.StatusCode, got)
	}
}

// TestLabCertificatesInWorkspace: every instance finds the lab's
// certificates under certs/ (Lua cannot read files in the lab: nginx.conf
// names them), and a workspace file of the same path is the learner's own.
func TestLabCertificatesInWorkspace(t *testing.T) {
	l := newLab(t, "")
	l.open()
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ca.Pair("a.test")
	conf := strings.Replace(sleepConf, "listen 8080;", `listen 8443 ssl;
        ssl_certificate certs/b.test.crt;
        ssl_certificate_key certs/b.test.key;`, 1)
	for _, tt := range []struct {
		name    string
		files   map[string]string
		subject string
	}{
		{"the lab's", nil, "b.test"},
		{"the workspace's own", map[string]string{"certs/b.test.crt": a.CertPEM, "certs/b.test.key": a.KeyPEM}, "a.test"},
	} {
		var res applyResult
		l.json("POST", "/api/apply", workspaceJSON{Conf: conf, Files: tt.files}, &res)
		if !res.OK {
			t.Fatalf("%s: apply: %+v", tt.name, res)
		}
		var sent sendResult
		l.json("POST", "/api/send", sendRequest{Path: "/"}, &sent)
		if sent.Status != 200 || sent.TLS == nil || sent.TLS.Cert == nil || sent.TLS.Cert.Subject != tt.subject {
			t.Errorf("%s: %d %q tls %+v, want the certificate of %s", tt.name, sent.Status, sent.Error, sent.TLS, tt.subject)
		}
	}
	files := ca.Files()
	for _, n := range labca.Names {
		if files["certs/"+n.Host+".crt"] == "" || files["certs/"+n.Host+".key"] == "" {
			t.Errorf("no certs/%s.crt and .key in %v", n.Host, files)
		}
	}
	if files["certs/ca.crt"] != ca.CertPEM() {
		t.Errorf("certs/ca.crt is not the CA")
	}
}

// TestCheckSNI: the names the panel accepts as SNI.
func TestCheckSNI(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{{"", true}, {"a.test", true}, {"xn--bcher-kva.example", true}, {"A.TEST", true}, {"a b", false}, {"a.test.", false},
		{"a..test", false}, {"a.test:443", false}, {strings.Repeat("a", 254), false}, {"ä.test", false}} {
		if err := checkSNI(tt.name); (err == nil) != tt.ok {
			t.Errorf("checkSNI(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	if got := proxySNI("b.test:8080"); got != "b.test" {
		t.Errorf("proxySNI(b.test:8080) = %q", got)
	}
	for _, h := range []string{"127.0.0.1:8080", "[::1]:80", "bad host"} {
		if got := proxySNI(h); got != "" {
			t.Errorf("proxySNI(%q) = %q, want none", h, got)
		}
	}
	_ = tls.VersionTLS13
}
