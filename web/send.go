package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/restylab/restylab/sandbox"
)

// sendRequest is the body of /api/send and /api/burst.
type sendRequest struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
	N       int         `json:"n"`
	C       int         `json:"c"`
	// Scheme: "" uses HTTPS when the instance listens with ssl, "http" or
	// "https" force one (plain HTTP to an ssl port shows nginx's 400).
	Scheme string `json:"scheme,omitempty"`
	// SNI is the server name of the TLS ClientHello (none when empty); it
	// is the Host header too when the request has none.
	SNI string `json:"sni,omitempty"`
	// Resume keeps TLS sessions of the lab's session (tickets) and offers
	// them again: the next handshake resumes when the server allows it.
	Resume bool `json:"resume,omitempty"`
	// Listen names the listen address of nginx.conf the request goes to
	// ("80", "443", "127.0.0.1:8080"; the first when empty): its ssl flag
	// picks the scheme unless Scheme forces one.
	Listen string `json:"listen,omitempty"`
}

// check validates the request line and headers the learner typed: they
// go to the instance as raw bytes.
func (q *sendRequest) check() error {
	if q.Method == "" {
		q.Method = "GET"
	}
	if !isToken(q.Method) {
		return fmt.Errorf("bad method %q", q.Method)
	}
	if q.Path == "" {
		q.Path = "/"
	}
	if q.Path[0] != '/' {
		q.Path = "/" + q.Path
	}
	if strings.ContainsAny(q.Path, " \r\n\t") {
		return fmt.Errorf("the path may not hold spaces or line breaks (encode them as %%20)")
	}
	if len(q.Path) > 4096 {
		return fmt.Errorf("the path is longer than 4096 bytes")
	}
	for _, h := range q.Headers {
		if !isToken(h[0]) {
			return fmt.Errorf("bad header name %q", h[0])
		}
		if strings.ContainsAny(h[1], "\r\n") {
			return fmt.Errorf("the value of header %s may not hold line breaks", h[0])
		}
	}
	if len(q.Body) > 1<<20 {
		return fmt.Errorf("the body is larger than 1 MiB")
	}
	if q.Scheme != "" && q.Scheme != "http" && q.Scheme != "https" {
		return fmt.Errorf("bad scheme %q: want http or https", q.Scheme)
	}
	if err := checkListenName(q.Listen); err != nil {
		return err
	}
	return checkSNI(q.SNI)
}

func isToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// raw is the request as bytes on the wire, asking the server to close the
// connection after it unless the learner gave a Connection header.
func (q *sendRequest) raw() []byte { return q.wire(true) }

// wire is the request as bytes on the wire; with closing, a request with
// no Connection header gets "Connection: close" (Send reads its answer to
// the end), without it the connection stays open as HTTP/1.1's default
// (a burst's connections carry several requests).
func (q *sendRequest) wire(closing bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", q.Method, q.Path)
	host, length, conn := false, false, false
	for _, h := range q.Headers {
		switch strings.ToLower(h[0]) {
		case "host":
			host = true
		case "content-length", "transfer-encoding":
			length = true
		case "connection":
			conn = true
		}
	}
	if !host {
		fmt.Fprintf(&b, "Host: %s\r\n", q.host())
	}
	for _, h := range q.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if !length && (q.Body != "" || q.Method == "POST" || q.Method == "PUT" || q.Method == "PATCH") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(q.Body))
	}
	if !conn && closing {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(q.Body)
	return b.Bytes()
}

// host is the Host header a request without one gets: the SNI name, as a
// browser sends, else localhost.
func (q *sendRequest) host() string {
	if q.SNI != "" {
		return q.SNI
	}
	return "localhost"
}

// hasHeader tells whether the learner gave header name.
func (q *sendRequest) hasHeader(name string) bool {
	for _, h := range q.Headers {
		if strings.EqualFold(h[0], name) {
			return true
		}
	}
	return false
}

// useTLS tells whether the request goes over TLS to an address that is
// ssl or not.
func (q *sendRequest) useTLS(ssl bool) bool {
	switch q.Scheme {
	case "http":
		return false
	case "https":
		return true
	}
	return ssl
}

// curl is the equivalent curl command against the proxy (which speaks TLS
// to an ssl instance with the Host header's name as SNI).
func (q *sendRequest) curl(base string) string {
	parts := []string{"curl -i"}
	if q.Method != "GET" {
		parts = append(parts, "-X "+shellQuote(q.Method))
	}
	parts = append(parts, shellQuote(strings.TrimSuffix(base, "/")+q.Path))
	if q.SNI != "" && !q.hasHeader("Host") {
		parts = append(parts, "-H "+shellQuote("Host: "+q.SNI))
	}
	for _, h := range q.Headers {
		parts = append(parts, "-H "+shellQuote(h[0]+": "+h[1]))
	}
	if q.Body != "" {
		parts = append(parts, "--data-binary "+shellQuote(q.Body))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sendResult is the answer of /api/send.
type sendResult struct {
	Status      int         `json:"status"`
	Headers     [][2]string `json:"headers"`
	Body        string      `json:"body"`
	RawRequest  string      `json:"raw_request"`
	RawResponse string      `json:"raw_response"`
	Truncated   bool        `json:"truncated,omitempty"`
	MS          float64     `json:"ms"`
	Curl        string      `json:"curl"`
	Error       string      `json:"error,omitempty"`
	// TLS describes the handshake of an HTTPS request (nil for HTTP).
	TLS *tlsInfo `json:"tls,omitempty"`
}

// requestSpec reads the session and the checked request of /api/send or
// /api/burst; false when it has answered an error.
func (s *Server) requestSpec(w http.ResponseWriter, r *http.Request) (*session, sendRequest, bool) {
	var q sendRequest
	sess := s.apiSession(w, r)
	if sess == nil || !readJSON(w, r, &q) {
		return nil, q, false
	}
	if err := q.check(); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return nil, q, false
	}
	return sess, q, true
}

// send fires one request at the session's instance and shows the bytes.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	sess, q, ok := s.requestSpec(w, r)
	if !ok {
		return
	}
	in, err := s.instance(r.Context(), sess)
	if err != nil {
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	addr, err := pickAddress(in, q.Listen)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	raw := q.raw()
	res := sendResult{RawRequest: string(raw), Curl: q.curl(s.baseURL(r) + "/s/" + sess.id + proxySelector(in, addr))}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	var tcfg *tls.Config
	if q.useTLS(addr.SSL) {
		var cache tls.ClientSessionCache
		if q.Resume {
			cache = sess.tlsSessions()
		}
		tcfg = clientTLS(q.SNI, cache)
	}
	start := time.Now()
	resp, err := roundTrip(ctx, addr.Port, tcfg, raw, DefaultMaxShownBody)
	res.MS = float64(time.Since(start).Microseconds()) / 1000
	if resp.tls != nil {
		res.TLS = tlsInfoOf(*resp.tls, q.SNI, s.cfg.CA)
	}
	res.RawResponse = string(resp.raw)
	res.Truncated = resp.truncated
	if err != nil {
		res.Error = err.Error()
		if reason := exitReason(in); reason != "" {
			res.Error += " (the instance ended: " + reason + ")"
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	res.Status = resp.status
	res.Headers = resp.headers
	res.Body = resp.body
	writeJSON(w, http.StatusOK, res)
}

// exitGrace is how long a failed request waits to learn whether the
// instance died (the connection closes before the child is reaped).
const exitGrace = 2 * time.Second

// exitReason is why the instance ended, or "" when it still runs after
// exitGrace.
func exitReason(in *sandbox.Instance) string { return exitReasonWithin(in, exitGrace) }

// exitReasonWithin is exitReason waiting at most d.
func exitReasonWithin(in *sandbox.Instance, d time.Duration) string {
	select {
	case <-in.Done():
		return in.Exited()
	case <-time.After(d):
		return ""
	}
}

// rawResponse is what roundTrip read.
type rawResponse struct {
	raw       []byte
	truncated bool
	status    int
	headers   [][2]string
	body      string
	tls       *tls.ConnectionState // after a TLS handshake
}

// roundTrip writes raw to the instance (over TLS with tcfg when it is not
// nil) and reads the response until the server closes the connection (the
// request says Connection: close), or until one whole response has
// arrived.
func roundTrip(ctx context.Context, port int, tcfg *tls.Config, raw []byte, maxShown int) (rawResponse, error) {
	var out rawResponse
	var d net.Dialer
	tcp, err := d.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return out, fmt.Errorf("connect to the instance: %w", err)
	}
	defer tcp.Close()
	if dl, ok := ctx.Deadline(); ok {
		tcp.SetDeadline(dl)
	}
	conn := tcp
	if tcfg != nil {
		tc := tls.Client(tcp, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return out, fmt.Errorf("TLS handshake: %w", err)
		}
		cs := tc.ConnectionState()
		out.tls = &cs
		conn = tc
	}
	if _, err := conn.Write(raw); err != nil {
		return out, fmt.Errorf("write the request: %w", err)
	}
	var got bytes.Buffer
	tee := io.TeeReader(io.LimitReader(conn, 16<<20), &got)
	resp, err := http.ReadResponse(bufio.NewReader(tee), nil)
	if err != nil {
		out.raw = got.Bytes()
		if len(out.raw) == 0 {
			return out, fmt.Errorf("the instance closed the connection without a response")
		}
		return out, fmt.Errorf("read the response: %w", err)
	}
	body, berr := io.ReadAll(resp.Body)
	resp.Body.Close()
	out.status = resp.StatusCode
	for name, vals := range resp.Header {
		for _, v := range vals {
			out.headers = append(out.headers, [2]string{name, v})
		}
	}
	sort.SliceStable(out.headers, func(i, j int) bool { return out.headers[i][0] < out.headers[j][0] })
	out.raw = got.Bytes()
	if len(out.raw) > maxShown {
		out.raw, out.truncated = out.raw[:maxShown], true
	}
	if len(body) > maxShown {
		body, out.truncated = body[:maxShown], true
	}
	out.body = string(body)
	if berr != nil {
		return out, fmt.Errorf("read the response body: %w", berr)
	}
	return out, nil
}
