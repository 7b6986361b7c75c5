package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/oracle"
)

// oracleExtra are raw requests checked only against real nginx.
var oracleExtra = []string{
	"GET /a%3Fb=1 HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a%01b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a%2f.. HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /a/%2e%2e%2f%2e%2e%2fb HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a/b#/../.. HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://x/a/../b HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET http://[::1]:80/p HTTP/1.1\r\nHost: x\r\n\r\n", "GET ftp://h.example/p HTTP/1.1\r\nHost: x\r\n\r\n", "GET http:/h/p HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET http:///p HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://h:/p HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://h_1/p HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nFoo\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nF\x01o: 1\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\tFoo: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "GET / HTTP/1.1\r\nHost: .\r\n\r\n", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
	"GET / HTTP/1.1\r\nhOsT: AbC\r\n\r\n", "GET /a HTTP/1.\r\nHost: x\r\n\r\n", "GET /a HTTP/01.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.0001\r\nHost: x\r\n\r\n",
	"GET / HTTP/1\r\nHost: x\r\n\r\n", "GET / HTTP/2x\r\nHost: x\r\n\r\n", "GET /a \r\n", "HEAD /\r\n", "GET /a\r\r\n", "GET /a?\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nIf-Match: a\r\nIf-Match: b\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nCookie: a\r\nCookie: b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\nTransfer-Encoding: gzip\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n",
	"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nA\x80B: 1\r\n\r\n", "GET /%C3%A9/% HTTP/1.1\r\nHost: x\r\n\r\n",
}

// oracleHTTP is the oracle's http block: one location echoing how nginx
// parsed the request.
const oracleHTTP = `  client_max_body_size 100;
  server {
    listen 127.0.0.1:{{PORT}};
    location / { content_by_lua_block { ngx.say("uri=", ngx.var.uri, "|args=", ngx.var.args or "", "|host=", ngx.var.host, "|") } }
  }
`

// startNginx runs real nginx with the lua module on a free port.
func startNginx(t *testing.T) int {
	t.Helper()
	if err := oracle.Available(); err != nil {
		t.Skip(err)
	}
	return oracle.Start(t, oracleHTTP, oracle.Options{MasterProcess: true}).Port()
}

func rawExchange(t *testing.T, port int, raw string) []byte {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(c)
	return out
}

var (
	statusRe = regexp.MustCompile(`^HTTP/1\.1 (\d+)`)
	titleRe  = regexp.MustCompile(`<title>(\d+) `)
	echoRe   = regexp.MustCompile(`uri=(.*)\|args=(.*)\|host=(.*)\|`)
)

// nginxOutcome reduces nginx's answer to "status uri args host".
func nginxOutcome(resp []byte) string {
	status := ""
	if m := statusRe.FindSubmatch(resp); m != nil {
		status = string(m[1])
	} else if m := titleRe.FindSubmatch(resp); m != nil {
		status = string(m[1]) // HTTP/0.9 error: a bare page
	} else if bytes.HasPrefix(resp, []byte("uri=")) {
		status = "200" // HTTP/0.9 success: a bare body
	}
	if m := echoRe.FindSubmatch(resp); m != nil && status == "200" {
		return fmt.Sprintf("200 %q %q %q", m[1], m[2], m[3])
	}
	return status
}

func ourOutcome(raw string) (string, bool) {
	req, _, err := ParseRequest([]byte(raw), testLimits)
	var e *Error
	switch {
	case errors.As(err, &e):
		return strconv.Itoa(ErrorPageStatus(e.Status)), true
	case req == nil:
		return "pending", true
	case req.ContentLength > 0 || req.Chunked:
		return "", false // nginx would wait for the body
	}
	return fmt.Sprintf("200 %q %q %q", req.URI, req.Args, req.Host), true
}

func TestDifferentialNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	port := startNginx(t)
	raws := append([]string{}, oracleExtra...)
	for _, tc := range parseCases {
		raws = append(raws, tc.raw)
	}
	for _, raw := range raws {
		ours, comparable := ourOutcome(raw)
		if !comparable {
			continue
		}
		t0 := time.Now()
		theirs := nginxOutcome(rawExchange(t, port, raw))
		if d := time.Since(t0); d > time.Second {
			t.Logf("%.60q took %v", raw, d)
		}
		if ours != theirs {
			t.Errorf("%.120q:\n  nginx %s\n  ours  %s", raw, theirs, ours)
		}
	}
}
