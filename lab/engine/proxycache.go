package engine

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/trace"
)

// The proxy cache (proxy_cache_path, proxy_cache and its settings), with
// the behaviour a client and the error log see in nginx 1.22
// (ngx_http_upstream_cache, ngx_http_file_cache_open/read/lock, the
// upstream's Cache-Control, Expires, X-Accel-Expires and Set-Cookie
// handlers). Entries are kept in memory, one per key, shared by the
// engine's workers as nginx's keys zone is; the raw upstream response (head
// and body as received) is stored, and a HIT replays it through the same
// header and body code as a response from the upstream, without any
// connection. The zone's directory is created as nginx creates it.

// maxCacheZoneBytes caps one zone's stored responses in the lab, whatever
// max_size says: the least recently used entries go first.
const maxCacheZoneBytes = 64 << 20

// cacheLockPoll is how often a request waiting for proxy_cache_lock looks
// again (ngx_http_file_cache_lock_wait's 500 ms timer).
const cacheLockPoll = 500 * time.Millisecond

// cacheZone is one keys zone and its entries.
type cacheZone struct {
	mu      sync.Mutex
	cp      *conf.CachePath
	entries map[string]*cacheEntry
	// vary is the Vary header names of the last response stored for a
	// key: its variants are kept apart by those request headers' values.
	vary  map[string][]string
	size  int64
	limit int64
}

// cacheEntry is one key's node: its use count, whether a request is
// fetching it, and the stored response.
type cacheEntry struct {
	uses     int
	updating bool      // a request is fetching it (lock or expired)
	lockTime time.Time // when another request may fetch it anyway (proxy_cache_lock_age)
	lastUse  time.Time

	// the response, when one is stored
	stored   bool
	raw      []byte // the upstream's head and body as received
	validSec int64  // fresh while validSec >= now (seconds, as ngx_time)
	// updatingSec and errorSec are the seconds after validSec during which
	// Cache-Control's stale-while-revalidate / stale-if-error allow it stale.
	updatingSec, errorSec int64
	lastMod               string
	etag                  string
}

// CacheZones are an engine's proxy cache zones, for a successor's
// Options.InheritCaches: a reload keeps what was cached, as nginx's keys
// zone and cache files outlive its workers.
type CacheZones struct {
	zones map[string]*cacheZone
	// paths and sizes are the zones' directories (relative to the
	// engine's prefix) and keys zone sizes in that engine's configuration.
	paths map[string]string
	sizes map[string]int64
}

// CacheZones returns the engine's proxy cache zones.
func (e *Engine) CacheZones() *CacheZones {
	cz := &CacheZones{zones: e.caches, paths: map[string]string{}, sizes: map[string]int64{}}
	for _, cp := range e.cfg.HTTP.CachePaths {
		cz.paths[cp.Name], cz.sizes[cp.Name] = prefixRel(e.cfg.Prefix, cp.Path), cp.ZoneSize
	}
	return cz
}

// newCacheZones creates the configuration's cache zones and their
// directories; a zone of the predecessor (old) with the same name, path
// and size goes on with its entries. As nginx's reload, a zone whose name
// now names another directory is refused (the path is compared relative
// to each engine's prefix: the lab moves a workspace's prefix per apply).
func newCacheZones(cfg *conf.Config, old *CacheZones) (map[string]*cacheZone, error) {
	zones := map[string]*cacheZone{}
	for _, cp := range cfg.HTTP.CachePaths {
		if err := os.MkdirAll(cp.Path, 0o700); err != nil {
			return nil, err
		}
		limit := int64(maxCacheZoneBytes)
		if cp.MaxSize > 0 && cp.MaxSize < limit {
			limit = cp.MaxSize
		}
		if old != nil {
			if oz := old.zones[cp.Name]; oz != nil {
				was, now := old.paths[cp.Name], prefixRel(cfg.Prefix, cp.Path)
				if was != now {
					// ngx_http_file_cache_init's words
					return nil, fmt.Errorf("cache \"%s\" uses the \"%s\" cache path while previously it used the \"%s\" cache path", cp.Name, now, was)
				}
				if old.sizes[cp.Name] == cp.ZoneSize {
					oz.mu.Lock()
					oz.cp, oz.limit = cp, limit
					oz.mu.Unlock()
					zones[cp.Name] = oz
					continue
				}
			}
		}
		zones[cp.Name] = &cacheZone{cp: cp, entries: map[string]*cacheEntry{}, vary: map[string][]string{}, limit: limit}
	}
	return zones, nil
}

// prefixRel is path relative to prefix when it lies inside it.
func prefixRel(prefix, path string) string {
	if prefix != "" {
		if rel, err := filepath.Rel(prefix, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

// cacheReq is what one proxied request does with the cache.
type cacheReq struct {
	zone *cacheZone
	set  *conf.ProxyCache
	key  string // the key of this request's variant
	// baseKey is proxy_cache_key's value
	baseKey string
	status  string // $upstream_cache_status
	// updating: this request marked the entry as being fetched and must
	// clear the mark when it ends.
	updating bool
	// store: the response may be stored (min_uses reached, not a HEAD).
	store bool
	// stale is the expired entry's response, for use_stale and revalidation.
	stale                   []byte
	staleLastMod, staleETag string
	revalidating            bool
	fromCache               bool
	convHead                bool // a HEAD sent upstream as GET
	// bgPending: the stale answer is being sent and a background update
	// follows (proxy_cache_background_update); bg: it is running.
	bgPending, bg             bool
	lockUntil                 time.Time // proxy_cache_lock_timeout's end
	keep                      bool      // the upstream's answer is being recorded
	head                      string
	body                      []byte
	validSec                  int64
	updatingSec, errorSec     int64 // the answer's stale-while-revalidate, stale-if-error
	staleUpdating, staleError bool  // the expired entry's own stale allowances are on
	noCache, expired, noStore bool
}

// cacheStart looks the request up in its zone before proxying: it
// reports true when the request was answered (HIT, UPDATING, a stale
// answer) or waits for a cache lock; false sends it to the upstream.
func (p *proxyState) cacheStart() bool {
	r := p.r
	set := p.set.Cache
	if set == nil || !methodIn(r.method, set.Methods) {
		return false
	}
	zone := r.w.e.caches[set.Zone.Name]
	if zone == nil {
		return false
	}
	c := &cacheReq{zone: zone, set: set, key: r.expandTpl(set.Key)}
	p.cache = c
	// proxy_cache_convert_head: a HEAD goes upstream as GET, so that its
	// answer can be stored; the client still gets the header only
	c.convHead = r.method == "HEAD" && set.ConvertHead
	if predicatesTrue(r, set.Bypass) {
		c.status = "BYPASS"
		c.store = p.upstreamMethod() != "HEAD"
		return false
	}
	return p.cacheLookup()
}

// cacheLookup is ngx_http_file_cache_open for this request (again after
// a lock wait).
func (p *proxyState) cacheLookup() bool {
	r, c := p.r, p.cache
	now := r.w.loop.Now()
	z := c.zone
	z.mu.Lock()
	if c.baseKey == "" {
		c.baseKey = c.key
	}
	c.key = variantKey(c.baseKey, z.vary[c.baseKey], r)
	e := z.entries[c.key]
	if e != nil && now.Sub(e.lastUse) > z.cp.Inactive {
		z.drop(c.key, e) // the cache manager removes inactive entries
		e = nil
	}
	if e == nil {
		e = &cacheEntry{}
		z.entries[c.key] = e
	}
	if c.lockUntil.IsZero() {
		e.uses++
	}
	e.lastUse = now
	if e.stored && e.validSec >= now.Unix() {
		raw := e.raw
		z.mu.Unlock()
		c.status = "HIT"
		p.serveCached(raw)
		return true
	}
	if e.stored {
		c.staleUpdating = e.validSec+e.updatingSec >= now.Unix()
		c.staleError = e.validSec+e.errorSec >= now.Unix()
		// expired: one request fetches it, the others see UPDATING
		if e.updating && now.Before(e.lockTime) {
			raw := e.raw
			if c.set.UseStale["updating"] || c.staleUpdating {
				z.mu.Unlock()
				c.status = "UPDATING"
				p.serveCached(raw)
				return true
			}
		} else {
			e.updating, e.lockTime, c.updating = true, now.Add(c.set.LockAge), true
		}
		c.stale, c.staleLastMod, c.staleETag = e.raw, e.lastMod, e.etag
		c.status = "EXPIRED"
		c.store = e.uses >= c.set.MinUses && p.upstreamMethod() != "HEAD"
		z.mu.Unlock()
		if c.set.BackgroundUpdate && (c.set.UseStale["updating"] || c.staleUpdating) && c.updating {
			// the client gets the stale entry now, the update follows
			c.status, c.bgPending = "STALE", true
			p.serveCached(c.stale)
			return true
		}
		return false
	}
	c.status = "MISS"
	c.store = e.uses >= c.set.MinUses && p.upstreamMethod() != "HEAD"
	if !c.set.Lock || !c.store {
		z.mu.Unlock()
		return false
	}
	// proxy_cache_lock: the first request fetches, the others wait
	if !e.updating || !now.Before(e.lockTime) {
		e.updating, e.lockTime, c.updating = true, now.Add(c.set.LockAge), true
		z.mu.Unlock()
		return false
	}
	z.mu.Unlock()
	if c.lockUntil.IsZero() {
		c.lockUntil = now.Add(c.set.LockTimeout)
	}
	if !now.Before(c.lockUntil) {
		r.logErr(LevelInfo, "cache lock timeout")
		c.store = false
		return false
	}
	wait := min(cacheLockPoll, c.lockUntil.Sub(now))
	p.timer = r.w.loop.AddTimer(wait, func() {
		p.timer = nil
		if !p.cacheLookup() {
			p.try()
		}
	})
	p.timer.Desc = "proxy_cache_lock wait"
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: LevelInfo, Detail: "proxy cache: waiting for the cache lock of " + c.key})
	}
	return true
}

// upstreamMethod is the method sent upstream: a cached HEAD goes as GET
// (proxy_cache_convert_head).
func (p *proxyState) upstreamMethod() string {
	if p.cache != nil && p.cache.convHead {
		return "GET"
	}
	return p.r.method
}

// methodIn reports whether m is one of ms.
func methodIn(m string, ms []string) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// predicatesTrue is ngx_http_test_predicates: one value that is neither
// empty nor "0".
func predicatesTrue(r *request, ts []conf.Template) bool {
	for _, t := range ts {
		if v := r.expandTpl(t); v != "" && v != "0" {
			return true
		}
	}
	return false
}

// serveCached answers from a stored response: its head and body go
// through the upstream response code, with no connection.
func (p *proxyState) serveCached(raw []byte) {
	r := p.r
	p.cache.fromCache = true
	if r.w.rec.Enabled() {
		r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: r.id, Arg: LevelInfo,
			Detail: "proxy cache: " + p.cache.status + " " + p.cache.key + " (no upstream connection)"})
	}
	p.upClose = true
	p.in = append([]byte(nil), raw...)
	p.stage = proxyReadingHeader
	p.parseHeader()
	if p.stage != proxyDone && !p.cache.bg {
		p.finish()
	}
}

// cacheResponse looks at the upstream's response head as nginx's header
// handlers do; it reports true when the request was answered otherwise
// (a stale entry for proxy_cache_use_stale http_NNN, or REVALIDATED).
func (p *proxyState) cacheResponse(code int, lines []string) bool {
	c := p.cache
	if c == nil || c.fromCache {
		return false
	}
	if c.stale != nil && (c.set.UseStale["http_"+strconv.Itoa(code)]) {
		p.closeFD()
		c.status = "STALE"
		c.release(p.r.w.loop.Now(), nil)
		p.serveCached(c.stale)
		return true
	}
	if code == 304 && c.revalidating {
		// the stored response is still good: its time starts again
		p.closeFD()
		p.cacheHeaders(lines)
		valid := c.validSec
		if valid == 0 {
			if d := c.set.ValidFor(storedStatus(c.stale)); d > 0 {
				valid = p.r.w.loop.Now().Unix() + int64(d/time.Second)
			}
		}
		c.status = "REVALIDATED"
		c.release(p.r.w.loop.Now(), func(e *cacheEntry) {
			if valid > 0 {
				e.validSec = valid
			}
		})
		p.addrs, p.statuses = nil, nil
		p.serveCached(c.stale)
		return true
	}
	if !c.store {
		return false
	}
	p.cacheHeaders(lines)
	if c.noStore || c.noCache || c.expired || predicatesTrue(p.r, c.set.NoCache) {
		return false
	}
	if c.validSec == 0 {
		d := c.set.ValidFor(code)
		if d <= 0 {
			return false
		}
		c.validSec = p.r.w.loop.Now().Unix() + int64(d/time.Second)
	}
	c.keep = true
	c.head = strings.Join(lines, "\r\n")
	return false
}

// cacheHeaders reads the caching headers in their order, as nginx's
// upstream header handlers do.
func (p *proxyState) cacheHeaders(lines []string) {
	c := p.cache
	now := p.r.w.loop.Now().Unix()
	xAccel := false
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		lk := strings.ToLower(strings.TrimSpace(k))
		if p.set.IgnoreHeaders[lk] {
			continue // proxy_ignore_headers
		}
		switch lk {
		case "x-accel-expires":
			xAccel = true
			if strings.HasPrefix(v, "@") {
				if n, err := strconv.ParseInt(v[1:], 10, 64); err == nil && n >= 0 {
					c.validSec, c.noCache, c.expired = n, false, false
				}
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				continue
			}
			if n == 0 {
				c.noStore = true
				continue
			}
			c.validSec, c.noCache, c.expired = now+n, false, false
		case "cache-control":
			lv := strings.ToLower(v)
			if c.validSec != 0 && xAccel {
				c.staleExtensions(lv)
				continue
			}
			if strings.Contains(lv, "no-cache") || strings.Contains(lv, "no-store") || strings.Contains(lv, "private") {
				c.noCache = true
				continue
			}
			i, off := strings.Index(lv, "s-maxage="), 9
			if i < 0 {
				i, off = strings.Index(lv, "max-age="), 8
			}
			if i < 0 {
				c.staleExtensions(lv)
				continue
			}
			n, bad := int64(0), false
			for _, ch := range lv[i+off:] {
				if ch == ',' || ch == ';' || ch == ' ' {
					break
				}
				if ch < '0' || ch > '9' {
					bad = true
					break
				}
				n = n*10 + int64(ch-'0')
			}
			switch {
			case bad:
				c.noStore = true
			case n == 0:
				c.noCache = true
			default:
				c.validSec, c.expired = now+n, false
				c.staleExtensions(lv)
			}
		case "expires":
			if c.validSec != 0 {
				continue
			}
			t, err := http.ParseTime(v)
			if err != nil || t.Unix() < now {
				c.expired = true
				continue
			}
			c.validSec = t.Unix()
		case "set-cookie":
			c.noStore = true
		case "vary":
			if v == "*" {
				c.noStore = true
			}
		}
	}
}

// staleExtensions reads Cache-Control's stale-while-revalidate= and
// stale-if-error= (RFC 5861), as nginx 1.22 does: the first also sets the
// second. stale-if-error covers connection errors and timeouts only, not
// an error status (nginx's ngx_http_upstream_test_next does not look at it).
func (c *cacheReq) staleExtensions(lv string) {
	num := func(name string) (int64, bool) {
		i := strings.Index(lv, name)
		if i < 0 {
			return 0, false
		}
		n, digits := int64(0), 0
		for _, ch := range lv[i+len(name):] {
			if ch < '0' || ch > '9' {
				break
			}
			n, digits = n*10+int64(ch-'0'), digits+1
		}
		return n, digits > 0
	}
	if n, ok := num("stale-while-revalidate="); ok {
		c.updatingSec, c.errorSec = n, n
	}
	if n, ok := num("stale-if-error="); ok {
		c.errorSec = n
	}
}

// storedStatus is the status code of a stored response.
func storedStatus(raw []byte) int {
	f := strings.SplitN(string(raw[:min(len(raw), 64)]), " ", 3)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// cacheBody records a piece of the upstream's body being stored.
func (p *proxyState) cacheBody(data []byte) {
	if c := p.cache; c != nil && c.keep {
		if len(c.body)+len(data) > maxCacheZoneBytes/4 {
			c.keep = false // too big to keep in the lab
			c.body = nil
			return
		}
		c.body = append(c.body, data...)
	}
}

// cacheFinish stores a complete response and releases the entry.
func (p *proxyState) cacheFinish(complete bool) {
	c := p.cache
	if c == nil || c.fromCache {
		return
	}
	now := p.r.w.loop.Now()
	if !complete || !c.keep {
		c.release(now, nil)
		return
	}
	raw := make([]byte, 0, len(c.head)+4+len(c.body))
	raw = append(append(append(raw, c.head...), "\r\n\r\n"...), c.body...)
	lastMod, etag := "", ""
	var vary []string
	for _, l := range strings.Split(c.head, "\r\n")[1:] {
		k, v, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "last-modified":
			lastMod = strings.TrimSpace(v)
		case "etag":
			etag = strings.TrimSpace(v)
		case "vary":
			if !p.set.IgnoreHeaders["vary"] {
				for _, name := range strings.Split(v, ",") {
					if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
						vary = append(vary, name)
					}
				}
			}
		}
	}
	if c.baseKey == "" {
		c.baseKey = c.key
	}
	if key := variantKey(c.baseKey, vary, p.r); key != c.key {
		// the answer names other request headers than the stored one:
		// it is kept under its own variant
		c.release(now, nil)
		c.key = key
	}
	c.zone.mu.Lock()
	if vary != nil {
		c.zone.vary[c.baseKey] = vary
	} else {
		delete(c.zone.vary, c.baseKey)
	}
	c.zone.mu.Unlock()
	c.release(now, func(e *cacheEntry) {
		c.zone.size += int64(len(raw)) - int64(len(e.raw))
		e.stored, e.raw, e.validSec, e.lastMod, e.etag = true, raw, c.validSec, lastMod, etag
		e.updatingSec, e.errorSec = c.updatingSec, c.errorSec
	})
	c.zone.mu.Lock()
	c.zone.evict(c.key)
	c.zone.mu.Unlock()
	c.keep, c.body = false, nil
}

// variantKey is the key of the request's variant: the key itself, with the
// values of the request headers that Vary names.
func variantKey(key string, vary []string, r *request) string {
	if len(vary) == 0 {
		return key
	}
	var b strings.Builder
	b.WriteString(key)
	for _, name := range vary {
		b.WriteString("\x00" + r.headerIn(name))
	}
	return b.String()
}

// release clears this request's updating mark and applies fn to the
// entry under the zone's lock.
func (c *cacheReq) release(now time.Time, fn func(e *cacheEntry)) {
	z := c.zone
	z.mu.Lock()
	defer z.mu.Unlock()
	e := z.entries[c.key]
	if e == nil {
		e = &cacheEntry{lastUse: now}
		z.entries[c.key] = e
	}
	if c.updating {
		e.updating, c.updating = false, false
	}
	if fn != nil {
		fn(e)
	}
}

// drop removes an entry. The caller holds z.mu.
func (z *cacheZone) drop(key string, e *cacheEntry) {
	z.size -= int64(len(e.raw))
	delete(z.entries, key)
}

// evict removes the least recently used stored entries until the zone
// fits its limit, keeping keep. The caller holds z.mu.
func (z *cacheZone) evict(keep string) {
	for z.size > z.limit {
		var oldKey string
		var old *cacheEntry
		for k, e := range z.entries {
			if k != keep && e.stored && (old == nil || e.lastUse.Before(old.lastUse)) {
				oldKey, old = k, e
			}
		}
		if old == nil {
			return
		}
		z.drop(oldKey, old)
	}
}

// cacheBackgroundStart begins the background update once the stale
// answer's body is out; it reports whether it did (the request then ends
// when the update does, as nginx's background subrequest holds it).
func (p *proxyState) cacheBackgroundStart() bool {
	c := p.cache
	if c == nil || !c.bgPending {
		return false
	}
	c.bgPending, c.fromCache, c.bg = false, false, true
	p.in, p.chunked, p.upClose = nil, nil, false
	if p.r.w.rec.Enabled() {
		p.r.w.rec.Emit(trace.Event{Kind: trace.Log, Req: p.r.id, Arg: LevelInfo, Detail: "proxy cache: background update of " + c.key})
	}
	p.try()
	return true
}

// cacheBackgroundHeader takes the head of a background update's response:
// the client has its answer already, so only the body's framing is read
// (for the cache); it reports whether this is a background update.
func (p *proxyState) cacheBackgroundHeader(lines []string, rest []byte) bool {
	c := p.cache
	if c == nil || !c.bg {
		return false
	}
	p.remaining = -1
	chunked := false
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-length":
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				p.remaining = n
			}
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
		}
	}
	if chunked {
		p.remaining = -1
		p.chunked = http1.NewBodyDecoder(&http1.Request{Chunked: true, ContentLength: -1}, http1.Limits{})
	}
	p.stage = proxyReadingBody
	p.arm(p.set.ReadTimeout, "upstream timed out (110: Connection timed out) while reading upstream")
	if p.remaining == 0 || p.upstreamMethod() == "HEAD" {
		p.finish()
		return true
	}
	if len(rest) > 0 {
		p.body(rest)
	}
	return true
}

// cacheStale answers a failed request from its expired entry when
// proxy_cache_use_stale names the failure (error, timeout); it reports
// whether it did.
func (p *proxyState) cacheStale(status int) bool {
	c := p.cache
	if c != nil && c.bg {
		// a failed background update: the client has its stale answer
		c.release(p.r.w.loop.Now(), nil)
		p.stage = proxyDone
		p.r.finalize(0)
		return true
	}
	if c == nil || c.fromCache || c.stale == nil || p.r.headerSent {
		return false
	}
	cond := "error"
	if status == 504 {
		cond = "timeout"
	}
	if !c.set.UseStale[cond] && !c.staleError {
		return false
	}
	c.status = "STALE"
	c.release(p.r.w.loop.Now(), nil)
	p.addrs, p.statuses = nil, nil
	p.serveCached(c.stale)
	return true
}

// cacheRequestHeaders are the request headers that proxying with a cache
// replaces (ngx_http_proxy_cache_headers): the client's conditional and
// range headers do not go upstream; a revalidation sends its own.
func (p *proxyState) cacheRequestHeaders() (skip map[string]bool, add string) {
	c := p.cache
	if c == nil {
		return nil, ""
	}
	skip = map[string]bool{"if-modified-since": true, "if-unmodified-since": true, "if-none-match": true,
		"if-match": true, "range": true, "if-range": true}
	if c.stale != nil && c.set.Revalidate {
		if c.staleLastMod != "" {
			add += "If-Modified-Since: " + c.staleLastMod + "\r\n"
			c.revalidating = true
		}
		if c.staleETag != "" {
			add += "If-None-Match: " + c.staleETag + "\r\n"
			c.revalidating = true
		}
	}
	return skip, add
}

// upstreamCacheStatus is $upstream_cache_status.
func (r *request) upstreamCacheStatus() (string, bool) {
	if r.proxy == nil || r.proxy.cache == nil || r.proxy.cache.status == "" {
		return "", false
	}
	return r.proxy.cache.status, true
}

// cacheTemplates are the variable templates of a location's cache
// settings, for the load-time check of variable names.
func cacheTemplates(l *conf.Location) []conf.Template {
	c := l.ProxySettings.Cache
	if c == nil {
		return nil
	}
	ts := append([]conf.Template{c.Key}, c.Bypass...)
	return append(ts, c.NoCache...)
}
