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

// upstreamState is what a worker keeps about upstream peers across
// requests, as nginx's per-worker upstream data.
type upstreamState struct {
	peerFails map[string]*peerFail      // max_fails bookkeeping per upstream peer
	wrr       map[string]map[string]int // smooth weighted round robin state per upstream
}

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
	stage proxyStage
	timer *event.Timer

	out  []byte
	sent int
	in   []byte

	chunked   *http1.BodyDecoder
	remaining int64 // Content-Length left, -1 when the body ends at close
	lastErr   string
	upClose   bool     // the upstream will close (Connection: close or HTTP/1.0)
	addrs     []string // $upstream_addr: every peer tried
	statuses  []string // $upstream_status: what each try gave

	// balancer_by_lua results
	balancerPeer string
	moreTries    int

	cache *cacheReq // proxy_cache (proxycache.go); nil without
}

// proxyContent starts proxying r (its location has proxy_pass).
func (r *request) proxyContent() {
	p := &proxyState{r: r, pass: r.loc.Proxy, set: r.loc.ProxySettings, fd: -1, max: 1}
	r.pin() // the upstream's socket and timers point at r
	r.proxy = p
	if u := p.pass.Upstream; u != nil && u.Balancer == nil {
		p.max = 0
		for _, s := range u.Servers {
			if !s.Down {
				p.max++
			}
		}
		if p.max == 0 {
			p.max = 1
		}
	}
	// nginx reads the whole body before it connects (proxy_request_buffering)
	if r.bodyState != bodyRead && r.head != nil && (r.head.ContentLength > 0 || r.head.Chunked) {
		if r.bodyDecoder == nil {
			lim := r.c.limits()
			lim.MaxBodyBytes, _ = r.maxBody()
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
	p.begin()
}

// begin looks the request up in the proxy cache, then proxies it unless
// the cache answered (or a cache lock wait will go on).
func (p *proxyState) begin() {
	if p.cacheStart() {
		return
	}
	p.try()
}

// try picks the next peer and connects to it.
func (p *proxyState) try() {
	r := p.r
	p.tries++
	peer, err := p.pickPeer()
	if err == errBalancerFailed {
		// ngx_lua logged "failed to run balancer_by_lua*: ..." and
		// nginx answers 500 (observed), with no line of its own
		r.finalize(500)
		return
	}
	if err != "" {
		if p.pass.Upstream != nil && p.peer == p.pass.Upstream.Name {
			r.logUpstreamErr(LevelErr, err, p.peer)
		} else {
			r.logErr(LevelErr, err)
		}
		r.finalize(502)
		return
	}
	p.peer = peer
	// the policy runs before the keepalive pool and any system call
	dial, perr := r.w.e.opts.proxyDial(peer)
	if perr != nil {
		p.failed(perr.Error()+" while connecting to upstream", 502)
		return
	}
	if pc := r.w.pooledConn(p.poolKey()); pc != nil {
		// upstream keepalive: reuse a connection kept from an earlier request
		p.fd = pc.fd
		pc.fd = -1
		r.w.loop.SetHandler(p.fd, p)
		p.out, p.sent = p.requestBytes(), 0
		p.stage = proxySending
		p.arm(p.set.SendTimeout, "upstream timed out (110: Connection timed out) while sending request to upstream")
		p.send()
		return
	}
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: LevelInfo, Detail: "proxy: connecting to " + peer})
	}
	fd, derr := dialNonblock(dial)
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

// errBalancerFailed is pickPeer's error when balancer_by_lua failed (its
// error is logged already).
const errBalancerFailed = "balancer_by_lua failed"

// pickPeer returns the address of this try.
func (p *proxyState) pickPeer() (string, string) {
	u := p.pass.Upstream
	if u == nil {
		return p.pass.Host, ""
	}
	if u.Balancer != nil {
		p.balancerPeer = ""
		if _, ok := p.r.runSync(phaseBalancer, u.Balancer); !ok {
			return "", errBalancerFailed
		}
		if p.balancerPeer == "" {
			return "", "no peer was set by balancer_by_lua"
		}
		if p.tries == 1 {
			p.max = 1 + p.moreTries
		}
		return p.balancerPeer, ""
	}
	// nginx's smooth weighted round robin over the primaries that are up
	// and not disabled by max_fails; the backups when no primary is left
	now := p.r.w.loop.Now()
	for _, backup := range []bool{false, true} {
		var cands []conf.UpstreamServer
		for _, s := range u.Servers {
			if s.Down || s.Backup != backup || p.r.w.peerDisabled(s.Addr, now) || p.tried(s.Addr) {
				continue
			}
			cands = append(cands, s)
		}
		if len(cands) > 0 {
			return p.r.w.pickWeighted(u.Name, cands), ""
		}
	}
	if len(p.addrs) == 0 {
		// every peer is disabled: nginx names the upstream itself
		p.peer = u.Name
		p.addrs = append(p.addrs, u.Name)
		p.statuses = append(p.statuses, "502")
	}
	return "", "no live upstreams while connecting to upstream"
}

// tried reports whether this request already tried addr.
func (p *proxyState) tried(addr string) bool {
	for _, a := range p.addrs {
		if a == addr {
			return true
		}
	}
	return false
}

// pickWeighted is nginx's smooth weighted round robin (per worker): every
// candidate's current weight grows by its weight, the largest wins and
// gives back the total.
func (w *worker) pickWeighted(name string, cands []conf.UpstreamServer) string {
	if w.wrr == nil {
		w.wrr = map[string]map[string]int{}
	}
	cur := w.wrr[name]
	if cur == nil {
		cur = map[string]int{}
		w.wrr[name] = cur
	}
	total, best := 0, -1
	for i, s := range cands {
		cur[s.Addr] += s.Weight
		total += s.Weight
		if best < 0 || cur[s.Addr] > cur[cands[best].Addr] {
			best = i
		}
	}
	cur[cands[best].Addr] -= total
	return cands[best].Addr
}

// markFailed counts a failed try against its peer: with max_fails reached
// the peer is skipped for fail_timeout, as nginx's round robin does.
func (p *proxyState) markFailed(msg string) {
	u := p.pass.Upstream
	if u == nil || u.Balancer != nil {
		return
	}
	for _, s := range u.Servers {
		if s.Addr != p.peer || s.MaxFails == 0 {
			continue
		}
		w := p.r.w
		if w.peerFails == nil {
			w.peerFails = map[string]*peerFail{}
		}
		f := w.peerFails[s.Addr]
		if f == nil {
			f = &peerFail{}
			w.peerFails[s.Addr] = f
		}
		f.fails++
		if f.fails >= s.MaxFails {
			f.fails = 0
			f.until = w.loop.Now().Add(s.FailTimeout)
			p.r.logUpstreamErr(LevelWarn, "upstream server temporarily disabled while connecting to upstream", p.peer)
		}
	}
}

// peerFail is one peer's failure state in a worker.
type peerFail struct {
	fails int
	until time.Time
}

// peerDisabled reports whether max_fails disabled addr until later.
func (w *worker) peerDisabled(addr string, now time.Time) bool {
	f := w.peerFails[addr]
	return f != nil && now.Before(f.until)
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
	p.timer.Desc = "proxy timeout " + d.String()
}

// failed ends this try: the next peer is tried for connection errors (as
// proxy_next_upstream error timeout does), else the request gets status.
func (p *proxyState) failed(msg string, status int) {
	r := p.r
	p.closeFD()
	p.lastErr = msg
	r.logUpstreamErr(LevelErr, msg, p.peer)
	if p.stage <= proxyReadingHeader {
		p.addrs = append(p.addrs, p.peer)
		p.statuses = append(p.statuses, strconv.Itoa(status))
		p.markFailed(msg)
	}
	if p.stage <= proxyReadingHeader && p.tries < p.max && !r.headerSent {
		p.try()
		return
	}
	if p.cacheStale(status) {
		return
	}
	p.cacheFinish(false)
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

// Describe names the fd in a paused loop's pending list.
func (p *proxyState) Describe() string { return "upstream connection" }

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
	n, err := p.r.w.writeNonblock(p.fd, p.out[p.sent:], p.r.id)
	p.sent += n
	if err == unix.EAGAIN {
		return
	}
	if err != nil {
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
	if strings.HasPrefix(f[0], "HTTP/1.0") {
		p.upClose = true // an HTTP/1.0 answer is not kept alive
	}
	if code < 100 || code > 999 {
		p.failed("upstream sent no valid HTTP/1.0 header while reading response header from upstream", 502)
		return true
	}
	if p.interceptError(code, lines) {
		return true
	}
	if p.cacheResponse(code, lines) || p.cacheBackgroundHeader(lines, rest) {
		return true
	}
	r.status = code
	if p.cache == nil || !p.cache.fromCache {
		p.addrs = append(p.addrs, p.peer)
		p.statuses = append(p.statuses, strconv.Itoa(code))
	}
	p.remaining = -1
	chunked := false
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.EqualFold(k, "connection") && strings.Contains(strings.ToLower(v), "close") {
			p.upClose = true
		}
		switch lk := strings.ToLower(k); {
		case lk == "connection" || lk == "keep-alive":
			continue // hop-by-hop
		case p.set.Hides(lk) && lk != "transfer-encoding" && lk != "content-length":
			continue // proxy_hide_header, its defaults, proxy_pass_header
		case lk == "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
			continue
		case lk == "content-length":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				p.remaining = n
			}
			k = "Content-Length" // nginx prints the lengths it knows in its own spelling
		case lk == "content-type":
			k = "Content-Type"
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
	noBody := p.upstreamMethod() == "HEAD" || code == 204 || code == 304 || code < 200
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
	p.cacheBody(data)
	if p.chunked != nil {
		for len(data) > 0 {
			out, n, done, err := p.chunked.Feed(data)
			data = data[n:]
			if len(out) > 0 {
				p.emit(out)
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
		p.emit(data)
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

// emit passes a piece of the response body to the client (not while
// proxy_cache_background_update fetches after a stale answer).
func (p *proxyState) emit(data []byte) {
	if p.cache != nil && (p.cache.bg || p.cache.convHead) {
		return
	}
	p.r.output(append([]byte(nil), data...), false)
}

// poolKey names the keepalive pool of this upstream peer.
func (p *proxyState) poolKey() string {
	if p.pass.Upstream == nil {
		return ""
	}
	return "upstream " + p.pass.Upstream.Name + " " + p.peer
}

// finish ends the response once the upstream's body is complete; with the
// upstream's keepalive, an HTTP/1.1 connection whose response ended by its
// length (not by a close) waits in the worker's pool for the next request.
func (p *proxyState) finish() {
	if p.cacheBackgroundStart() {
		return
	}
	p.cacheFinish(true)
	keep := false
	if u := p.pass.Upstream; u != nil && u.Keepalive > 0 && p.set.HTTPVersion == "1.1" && !p.upClose {
		keep = p.remaining == 0 || (p.chunked != nil && p.chunked.Done())
	}
	if keep {
		p.r.w.loop.StopTimer(p.timer)
		p.timer = nil
		cs := &cosock{w: p.r.w, fd: p.fd, peer: p.peer, pool: p.poolKey(), state: sockConnected}
		p.r.w.putPooled(cs, socketIdleTimeout, p.pass.Upstream.Keepalive)
		p.fd = -1
		p.stage = proxyDone
		p.r.finalize(0)
		return
	}
	p.closeFD()
	p.stage = proxyDone
	p.r.finalize(0)
}

// requestBytes is the request sent upstream: the request line, the
// proxy_set_header headers (Host: $proxy_host and Connection: close by
// default), the client's other headers, and the read body.
func (p *proxyState) requestBytes() []byte {
	r := p.r
	uri := r.proxyURI()
	version := "HTTP/1.0"
	if p.set.HTTPVersion == "1.1" {
		version = "HTTP/1.1"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", p.upstreamMethod(), uri, version)
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
	skip, revalidate := p.cacheRequestHeaders()
	b.WriteString(revalidate)
	for _, h := range r.headersIn {
		key := strings.ToLower(h.Name)
		if _, overridden := final[key]; overridden || skip[key] {
			continue
		}
		switch key {
		case "connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade", "expect":
			continue
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	body := r.bodyBytes()
	if len(body) > 0 || (r.head != nil && (r.head.ContentLength >= 0 || r.head.Chunked)) {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// mustTemplate parses a fixed template of the engine's own.
func mustTemplate(s string) conf.Template {
	t, _ := conf.ParseTemplate(s)
	return t
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
func (r *request) logUpstreamErr(level int, msg, peer string) {
	ctx := r.logContext()
	up := fmt.Sprintf(", upstream: \"http://%s%s\"", peer, r.proxyURI())
	if i := strings.Index(ctx, ", host: "); i >= 0 {
		ctx = ctx[:i] + up + ctx[i:]
	} else {
		ctx += up
	}
	r.w.e.errlog.Write(level, r.w.tid, r.c.num, msg+ctx)
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: int64(level), Detail: msg})
	}
}

// proxyURI is the URI sent upstream (and shown in error_log's
// "upstream:"): proxy_pass's URI part replaces the location prefix; when
// the URI changed inside this location (rewrite break, ngx.req.set_uri)
// the whole changed URI goes, re-escaped; otherwise the client's own URI.
func (r *request) proxyURI() string {
	p := r.proxy
	var uri string
	switch {
	case r.uriRewritten || (p != nil && p.pass.HasURI && r.loc != nil && (r.loc.Modifier == conf.ModRegex || r.loc.Modifier == conf.ModRegexNoCase)):
		uri = escapeURI(r.uri)
	case p != nil && p.pass.HasURI:
		prefix := ""
		if r.loc != nil {
			prefix = r.loc.Pattern
		}
		uri = p.pass.URI + escapeURI(strings.TrimPrefix(r.uri, prefix))
	case r.head != nil && r.uri == r.head.URI && r.uriChanges == 0:
		uri = r.head.Path // the client's own, unparsed URI
	default:
		uri = escapeURI(r.uri)
	}
	if r.args != "" {
		uri += "?" + r.args
	}
	return uri
}

// escapeURI escapes a path for a request line as nginx's NGX_ESCAPE_URI:
// controls, space, '#', '%', '?' and bytes of 0x7f and above.
func escapeURI(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '#' || c == '%' || c == '?' || c >= 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// closeProxy drops the upstream connection of an aborted request.
func (r *request) closeProxy() {
	if r.proxy != nil {
		r.proxy.closeFD()
		r.proxy.cacheFinish(false)
		r.proxy.stage = proxyDone
	}
}

// newBalancerTable builds the ngx.balancer module (require "ngx.balancer").
func (w *worker) newBalancerTable(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	w.setAPI(t, "ngx.balancer.set_current_peer", func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_current_peer")
		host := L.CheckString(1)
		port := L.OptInt(2, 0)
		if strings.Contains(host, ":") && port == 0 {
			L.Push(lua.LTrue)
			r.proxy.balancerPeer = host
			return 1
		}
		if port <= 0 {
			return nilErr(L, "no port")
		}
		r.proxy.balancerPeer = fmt.Sprintf("%s:%d", host, port)
		L.Push(lua.LTrue)
		return 1
	})
	w.setAPI(t, "ngx.balancer.set_more_tries", func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_more_tries")
		r.proxy.moreTries = L.CheckInt(1)
		L.Push(lua.LTrue)
		return 1
	})
	w.setAPI(t, "ngx.balancer.get_last_failure", func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.get_last_failure")
		if r.proxy.tries <= 1 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString("failed"))
		L.Push(lua.LNumber(502))
		return 2
	})
	w.setAPI(t, "ngx.balancer.set_timeouts", func(L *lua.LState) int {
		r := w.need(L, "ngx.balancer.set_timeouts")
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
	})
	return t
}
