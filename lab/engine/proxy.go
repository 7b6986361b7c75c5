package engine

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/event"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// proxy_pass: the content handler that forwards the request to an
// upstream server on the worker's loop, non-blocking like everything else,
// and streams the response back through the header and body filters.

// maxUpstreamHeader bounds an upstream's response head (proxy_buffer_size).
const maxUpstreamHeader = 64 << 10

type proxyStage uint8

const (
	proxyConnecting proxyStage = iota
	proxySending
	proxyReadingHeader
	proxyReadingBody
	proxyDone
)

// proxyState is one proxied request. Loop-only.
type proxyState struct {
	r     *request
	pass  *conf.ProxyPass
	set   conf.ProxySettings
	fd    int
	peer  string // "ip:port" of the current try
	tries int
	max   int
	rr    int // next server for round robin
	stage proxyStage
	timer *event.Timer

	out  []byte
	sent int
	in   []byte

	chunked   *http1.BodyDecoder
	remaining int64 // Content-Length left, -1 when the body ends at close
	lastErr   string

	// balancer_by_lua results
	balancerPeer string
	moreTries    int
}

// proxyContent starts proxying r (its location has proxy_pass).
func (r *request) proxyContent() {
	p := &proxyState{r: r, pass: r.loc.Proxy, set: r.loc.ProxySettings, fd: -1, max: 1}
	r.proxy = p
	if u := p.pass.Upstream; u != nil && u.Balancer == nil {
		p.max = 0
		for _, s := range u.Servers {
			if !s.Down && !s.Backup {
				p.max++
			}
		}
		if p.max == 0 {
			p.max = 1
		}
		p.rr = r.w.nextRR(u.Name)
	}
	// nginx reads the whole body before it connects (proxy_request_buffering)
	if r.bodyState != bodyRead && r.head != nil && (r.head.ContentLength > 0 || r.head.Chunked) {
		if r.bodyDecoder == nil {
			lim := r.c.limits()
			lim.MaxBodyBytes = r.loc.ClientMaxBodySize
			r.bodyDecoder = http1.NewBodyDecoder(r.head, lim)
			r.bodyState = bodyReading
		}
		done, err := r.feedBody()
		if err != nil {
			r.finalize(400)
			return
		}
		if !done {
			p.stage = proxyConnecting
			r.proxyWaitsBody = true
			return
		}
	}
	r.bodyState = bodyRead
	p.try()
}

// try picks the next peer and connects to it.
func (p *proxyState) try() {
	r := p.r
	p.tries++
	peer, err := p.pickPeer()
	if err != "" {
		r.logErr(LevelErr, err)
		r.finalize(502)
		return
	}
	p.peer = peer
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: LevelInfo, Detail: "proxy: connecting to " + peer})
	}
	fd, derr := dialNonblock(peer)
	if derr != nil {
		p.failed(fmt.Sprintf("connect() failed (%s) while connecting to upstream", errText(derr)), 502)
		return
	}
	p.fd = fd
	if err := r.w.loop.Add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, p); err != nil {
		p.failed("epoll_ctl() failed while connecting to upstream", 502)
		return
	}
	p.stage = proxyConnecting
	p.arm(p.set.ConnectTimeout, "upstream timed out (110: Connection timed out) while connecting to upstream")
}

// pickPeer returns the address of this try.
func (p *proxyState) pickPeer() (string, string) {
	u := p.pass.Upstream
	if u == nil {
		return p.pass.Host, ""
	}
	if u.Balancer != nil {
		p.balancerPeer = ""
		if _, ok := p.r.runSync(phaseBalancer, u.Balancer); !ok {
			return "", "balancer_by_lua failed"
		}
		if p.balancerPeer == "" {
			return "", "no peer was set by balancer_by_lua"
		}
		if p.tries == 1 {
			p.max = 1 + p.moreTries
		}
		return p.balancerPeer, ""
	}
	var live []conf.UpstreamServer
	for _, s := range u.Servers {
		if !s.Down && !s.Backup {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return "", fmt.Sprintf("no live upstreams while connecting to upstream")
	}
	s := live[(p.rr+p.tries-1)%len(live)]
	return s.Addr, ""
}

// arm (re)arms the stage's timeout.
func (p *proxyState) arm(d time.Duration, msg string) {
	p.r.w.loop.StopTimer(p.timer)
	if d <= 0 {
		d = 60 * time.Second
	}
	p.timer = p.r.w.loop.AddTimer(d, func() {
		p.timer = nil
		p.failed(msg, 504)
	})
}

// failed ends this try: the next peer is tried for connection errors (as
// proxy_next_upstream error timeout does), else the request gets status.
func (p *proxyState) failed(msg string, status int) {
	r := p.r
	p.closeFD()
	p.lastErr = msg
	r.logUpstreamErr(msg, p.peer)
	if p.stage <= proxyReadingHeader && p.tries < p.max && !r.headerSent {
		p.try()
		return
	}
	p.stage = proxyDone
	if r.headerSent {
		r.broken = true
		r.keepAlive = false
		r.finalize(0)
		return
	}
	r.finalize(status)
}

func (p *proxyState) closeFD() {
	if p.fd >= 0 {
		p.r.w.loop.Forget(p.fd)
		unix.Close(p.fd)
		if p.r.w.rec.Enabled() {
			p.r.w.rec.Emit(trace.Event{Kind: trace.Close, FD: int32(p.fd), Req: p.r.id, Detail: "upstream"})
		}
		p.fd = -1
	}
	p.r.w.loop.StopTimer(p.timer)
	p.timer = nil
}

// OnEvent handles readiness of the upstream connection.
func (p *proxyState) OnEvent(ev uint32) {
	switch p.stage {
	case proxyConnecting:
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		errno, err := unix.GetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && errno != 0 {
			err = unix.Errno(errno)
		}
		if err != nil {
			p.failed(fmt.Sprintf("connect() failed (%s) while connecting to upstream", errText(err)), 502)
			return
		}
		p.out, p.sent = p.requestBytes(), 0
		p.stage = proxySending
		p.arm(p.set.SendTimeout, "upstream timed out (110: Connection timed out) while sending request to upstream")
		p.send()
	case proxySending:
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			p.send()
		}
	case proxyReadingHeader, proxyReadingBody:
		if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			p.read()
		}
	}
}

func (p *proxyState) send() {
	for p.sent < len(p.out) {
		n, err := unix.Write(p.fd, p.out[p.sent:])
		if n > 0 {
			p.sent += n
			if p.r.w.rec.Enabled() {
				p.r.w.rec.Emit(trace.Event{Kind: trace.Write, FD: int32(p.fd), Arg: int64(n), Req: p.r.id})
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return
		}
		p.failed(fmt.Sprintf("writev() failed (%s) while sending request to upstream", errText(err)), 502)
		return
	}
	p.stage = proxyReadingHeader
	p.arm(p.set.ReadTimeout, "upstream timed out (110: Connection timed out) while reading response header from upstream")
	p.read()
}

// read takes what the upstream sent and moves the response along.
func (p *proxyState) read() {
	var buf [16 << 10]byte
	eof := false
	for {
		n, err := unix.Read(p.fd, buf[:])
		if n > 0 {
			if p.r.w.rec.Enabled() {
				p.r.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(p.fd), Arg: int64(n), Req: p.r.id})
			}
			if p.stage == proxyReadingHeader {
				p.in = append(p.in, buf[:n]...)
				if len(p.in) > maxUpstreamHeader {
					p.failed("upstream sent too big header while reading response header from upstream", 502)
					return
				}
				if !p.parseHeader() {
					continue
				}
				if p.stage == proxyDone {
					return
				}
				continue
			}
			if !p.body(buf[:n]) {
				return
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		eof = true
		break
	}
	if !eof {
		if p.stage == proxyReadingHeader {
			p.arm(p.set.ReadTimeout, "upstream timed out (110: Connection timed out) while reading response header from upstream")
		} else {
			p.arm(p.set.ReadTimeout, "upstream timed out (110: Connection timed out) while reading upstream")
		}
		return
	}
	switch p.stage {
	case proxyReadingHeader:
		p.failed("upstream prematurely closed connection while reading response header from upstream", 502)
	case proxyReadingBody:
		if p.remaining > 0 || (p.chunked != nil && !p.chunked.Done()) {
			p.failed("upstream prematurely closed connection while reading upstream", 502)
			return
		}
		p.finish()
	}
}

// parseHeader parses the response head once it is complete; it reports
// whether it was.
func (p *proxyState) parseHeader() bool {
	end := bytes.Index(p.in, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	r := p.r
	lines := strings.Split(string(p.in[:end]), "\r\n")
	rest := p.in[end+4:]
	p.in = nil
	f := strings.SplitN(lines[0], " ", 3)
	code := 0
	if len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
		code, _ = strconv.Atoi(f[1])
	}
	if code < 100 || code > 999 {
		p.failed("upstream sent no valid HTTP/1.0 header while reading response header from upstream", 502)
		return true
	}
	r.status = code
	p.remaining = -1
	chunked := false
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "connection", "keep-alive", "date", "server", "x-pad", "x-accel-redirect", "x-accel-expires",
			"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset":
			continue // hop-by-hop, or hidden by proxy_hide_header's defaults
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
			continue
		case "content-length":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				p.remaining = n
			}
		}
		if i := r.findHeader(k); i >= 0 && !strings.EqualFold(k, "content-type") && !strings.EqualFold(k, "content-length") {
			r.headers[i].values = append(r.headers[i].values, v)
		} else {
			r.setHeader(canonicalHeader(k), []string{v})
		}
	}
	if chunked {
		p.remaining = -1
		r.setHeader("Content-Length", nil)
		p.chunked = http1.NewBodyDecoder(&http1.Request{Chunked: true, ContentLength: -1}, http1.Limits{})
	}
	noBody := r.method == "HEAD" || code == 204 || code == 304 || code < 200
	p.stage = proxyReadingBody
	p.arm(p.set.ReadTimeout, "upstream timed out (110: Connection timed out) while reading upstream")
	r.sendHeader()
	if noBody || p.remaining == 0 {
		p.finish()
		return true
	}
	if len(rest) > 0 {
		p.body(rest)
	}
	return true
}

// body passes a piece of the upstream's body to the client; it reports
// whether more is expected.
func (p *proxyState) body(data []byte) bool {
	r := p.r
	if p.chunked != nil {
		for len(data) > 0 {
			out, n, done, err := p.chunked.Feed(data)
			data = data[n:]
			if len(out) > 0 {
				r.output(append([]byte(nil), out...), false)
			}
			if err != nil {
				p.failed("upstream sent invalid chunked response while reading upstream", 502)
				return false
			}
			if done {
				p.finish()
				return false
			}
			if n == 0 {
				break
			}
		}
		return true
	}
	if p.remaining >= 0 && int64(len(data)) > p.remaining {
		data = data[:p.remaining]
	}
	if len(data) > 0 {
		r.output(append([]byte(nil), data...), false)
	}
	if p.remaining >= 0 {
		p.remaining -= int64(len(data))
		if p.remaining == 0 {
			p.finish()
			return false
		}
	}
	return true
}

// finish ends the response once the upstream's body is complete.
func (p *proxyState) finish() {
	p.closeFD()
	p.stage = proxyDone
	p.r.finalize(0)
}

// requestBytes is the request sent upstream: the request line, the
// proxy_set_header headers (Host: $proxy_host and Connection: close by
// default), the client's other headers, and the read body.
func (p *proxyState) requestBytes() []byte {
	r := p.r
	uri := r.uri
	if p.pass.HasURI {
		prefix := ""
		if r.loc != nil && (r.loc.Modifier == conf.ModPrefix || r.loc.Modifier == conf.ModPrefixNoRe || r.loc.Modifier == conf.ModExact) {
			prefix = r.loc.Pattern
		}
		uri = p.pass.URI + strings.TrimPrefix(r.uri, prefix)
	} else if r.head != nil && r.uri == r.head.URI && r.uriChanges == 0 {
		uri = r.head.Path // the client's own, unparsed URI
	}
	if r.args != "" {
		uri += "?" + r.args
	}
	version := "HTTP/1.0"
	if p.set.HTTPVersion == "1.1" {
		version = "HTTP/1.1"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", r.method, uri, version)
	// proxy_set_header: nginx's defaults, overridden by the configuration
	final := map[string]conf.ProxyHeader{}
	var order []string
	for _, h := range append([]conf.ProxyHeader{
		{Name: "Host", Tpl: mustTemplate("$proxy_host")},
		{Name: "Connection", Tpl: mustTemplate("close")},
	}, p.set.SetHeaders...) {
		key := strings.ToLower(h.Name)
		if _, seen := final[key]; !seen {
			order = append(order, key)
		}
		final[key] = h
	}
	for _, key := range order {
		h := final[key]
		if v := r.expandTpl(h.Tpl); v != "" { // an empty value removes the header
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, v)
		}
	}
	for _, h := range r.headersIn {
		key := strings.ToLower(h.Name)
		if _, overridden := final[key]; overridden {
			continue
		}
		switch key {
		case "connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade", "expect":
			continue
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	if len(r.body) > 0 || (r.head != nil && (r.head.ContentLength >= 0 || r.head.Chunked)) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("\r\n")
	b.Write(r.body)
	return b.Bytes()
}

// mustTemplate parses a fixed template of the engine's own.
func mustTemplate(s string) conf.Template {
	t, _ := conf.ParseTemplate(s)
	return t
}

// nextRR hands out round-robin start points per upstream.
func (w *worker) nextRR(name string) int {
	if w.rr == nil {
		w.rr = map[string]int{}
	}
	n := w.rr[name]
	w.rr[name] = n + 1
	return n
}

// proxyHost is $proxy_host: the upstream name or the address.
func (p *proxyState) proxyHost() string {
	if p.pass.Upstream != nil {
		return p.pass.Upstream.Name
	}
	h := p.pass.Host
	if strings.HasSuffix(h, ":80") {
		h = strings.TrimSuffix(h, ":80")
	}
	return h
}

// logUpstreamErr logs an upstream error with nginx's context, which names
// the upstream: ..., request: "...", upstream: "http://ip:port/uri", host: "...".
func (r *request) logUpstreamErr(msg, peer string) {
	ctx := r.logContext()
	up := fmt.Sprintf(", upstream: \"http://%s%s\"", peer, r.proxyURI())
	if i := strings.Index(ctx, ", host: "); i >= 0 {
		ctx = ctx[:i] + up + ctx[i:]
	} else {
		ctx += up
	}
	r.w.e.errlog.Write(LevelErr, r.w.tid, r.c.num, msg+ctx)
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: LevelErr, Detail: msg})
	}
}

// proxyURI is the URI part nginx shows in "upstream:".
func (r *request) proxyURI() string {
	p := r.proxy
	uri := r.uri
	if p != nil && p.pass.HasURI {
		prefix := ""
		if r.loc != nil && r.loc.Modifier != conf.ModRegex && r.loc.Modifier != conf.ModRegexNoCase {
			prefix = r.loc.Pattern
		}
		uri = p.pass.URI + strings.TrimPrefix(r.uri, prefix)
	}
	if r.args != "" {
		uri += "?" + r.args
	}
	return uri
}

// closeProxy drops the upstream connection of an aborted request.
func (r *request) closeProxy() {
	if r.proxy != nil {
		r.proxy.closeFD()
		r.proxy.stage = proxyDone
	}
}

// newBalancerTable builds the ngx.balancer module (require "ngx.balancer").
func (w *worker) newBalancerTable(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("set_current_peer", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_current_peer", 1<<phaseBalancer)
		host := L.CheckString(1)
		port := L.OptInt(2, 0)
		if strings.Contains(host, ":") && port == 0 {
			L.Push(lua.LTrue)
			r.proxy.balancerPeer = host
			return 1
		}
		if port <= 0 {
			L.Push(lua.LNil)
			L.Push(lua.LString("no port"))
			return 2
		}
		r.proxy.balancerPeer = fmt.Sprintf("%s:%d", host, port)
		L.Push(lua.LTrue)
		return 1
	}))
	t.RawSetString("set_more_tries", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_more_tries", 1<<phaseBalancer)
		r.proxy.moreTries = L.CheckInt(1)
		L.Push(lua.LTrue)
		return 1
	}))
	t.RawSetString("get_last_failure", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.get_last_failure", 1<<phaseBalancer)
		if r.proxy.tries <= 1 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString("failed"))
		L.Push(lua.LNumber(502))
		return 2
	}))
	t.RawSetString("set_timeouts", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_timeouts", 1<<phaseBalancer)
		sec := func(i int, d time.Duration) time.Duration {
			if v, ok := L.Get(i).(lua.LNumber); ok && v > 0 {
				return time.Duration(float64(v) * float64(time.Second))
			}
			return d
		}
		r.proxy.set.ConnectTimeout = sec(1, r.proxy.set.ConnectTimeout)
		r.proxy.set.SendTimeout = sec(2, r.proxy.set.SendTimeout)
		r.proxy.set.ReadTimeout = sec(3, r.proxy.set.ReadTimeout)
		L.Push(lua.LTrue)
		return 1
	}))
	return t
}
