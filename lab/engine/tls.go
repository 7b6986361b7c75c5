package engine

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/restylab/restylab/lab/conf"
)

// TLS on a client connection ("listen ... ssl").
//
// The worker's loop owns the socket as for plain HTTP: it reads ciphertext
// when epoll says so and writes it when the socket takes it. Between the
// socket and the HTTP parser sits a tls.Conn over an in-memory pipe
// (tlsPipe). The handshake is straight-line code in crypto/tls, so it runs
// on a goroutine of its own: its reads wait on the pipe until the loop
// feeds it bytes, its writes queue ciphertext the loop sends. The loop
// never waits for it; the handshake's CPU work (signatures, key exchange)
// runs on that goroutine, beside the worker thread, where nginx does it on
// the worker itself inside SSL_do_handshake. When crypto/tls asks for the
// certificate (GetConfigForClient, OpenSSL's cert callback in nginx), the
// goroutine hands the ClientHello to the loop, which chooses the server by
// SNI and runs ssl_certificate_by_lua as a coroutine (sslphase.go); the
// goroutine waits for its answer. Once the handshake is done, the
// goroutine ends and the loop decrypts and encrypts records itself, the
// pipe answering "would block" instead of waiting (crypto/tls keeps a
// partial record for the next call on a temporary error).

// tlsLayer is the TLS state of one client connection.
type tlsLayer struct {
	c    *conn
	pipe *tlsPipe
	tc   *tls.Conn
	// started: the first bytes came and the handshake goroutine runs (it
	// owns tc); established: the handshake is done and the loop owns tc.
	started, established bool
	// srv is the server SNI chose (the listen address's default without
	// SNI); def is the address's default server, whose TLS settings
	// negotiate the version and cipher (connConfig).
	srv, def *conf.Server
	sni      string
	// state is the finished handshake's connection state.
	state tls.ConnectionState
	// sessionID is $ssl_session_id: made for a new session and kept in its
	// ticket (or cache entry), so a resumed connection reports it again.
	sessionID []byte
	// helloVersion is the version crypto/tls will choose, for
	// ngx.ssl.get_tls1_version in the ssl phase.
	helloVersion uint16
	// helloRaw is what the client sent before its ClientHello was handled
	// (the ClientHello's records, for get_client_hello_ext); helloDone
	// ends the capture. protocols: ngx.ssl.clienthello.set_protocols.
	helloRaw  []byte
	helloDone bool
	protocols []string
	// dynCerts are the certificates of ssl_certificate paths with
	// variables, read for this handshake (tlscerts.go).
	dynCerts []tls.Certificate
	// rawOut is ciphertext the socket did not take yet; wrote is what the
	// last write of it took (send_timeout restarts on progress).
	rawOut []byte
	wrote  int
	// gone is closed when the connection closes: a handshake goroutine
	// waiting for the loop's answer gives up.
	gone chan struct{}
	// notified: close_notify was sent.
	notified bool
	// outPosted: a send of the handshake's records is queued on the loop.
	outPosted atomic.Bool
}

// errWouldBlock is the pipe's answer when no ciphertext is buffered after
// the handshake; crypto/tls treats a temporary error as "try again later".
var errWouldBlock = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "tls: would block" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

// tlsPipe is the net.Conn crypto/tls reads and writes: ciphertext the loop
// read from the socket, ciphertext waiting to be written to it.
type tlsPipe struct {
	mu   sync.Mutex
	cond *sync.Cond
	in   []byte
	out  []byte
	eof  bool
	// blocking: Read waits for input (the handshake goroutine); otherwise
	// it returns errWouldBlock (the loop).
	blocking bool
	closed   bool
	// onOut runs (outside the lock) after a write while blocking is set:
	// the handshake's output must reach the loop.
	onOut         func()
	local, remote net.Addr
}

func newTLSPipe() *tlsPipe {
	p := &tlsPipe{blocking: true}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Read gives crypto/tls ciphertext from the socket.
func (p *tlsPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in) == 0 {
		switch {
		case p.closed:
			return 0, net.ErrClosed
		case p.eof:
			return 0, io.EOF
		case !p.blocking:
			return 0, errWouldBlock
		}
		p.cond.Wait()
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	if len(p.in) == 0 {
		p.in = nil
	}
	return n, nil
}

// Write queues ciphertext for the socket; it never waits.
func (p *tlsPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, net.ErrClosed
	}
	p.out = append(p.out, b...)
	notify := p.blocking && p.onOut != nil
	p.mu.Unlock()
	if notify {
		p.onOut()
	}
	return len(b), nil
}

// feed adds ciphertext read from the socket (loop).
func (p *tlsPipe) feed(b []byte, eof bool) {
	p.mu.Lock()
	p.in = append(p.in, b...)
	p.eof = p.eof || eof
	p.cond.Broadcast()
	p.mu.Unlock()
}

// takeOut removes and returns the queued ciphertext (loop).
func (p *tlsPipe) takeOut() []byte {
	p.mu.Lock()
	out := p.out
	p.out = nil
	p.mu.Unlock()
	return out
}

// stopBlocking ends the handshake's waiting reads (loop).
func (p *tlsPipe) stopBlocking() {
	p.mu.Lock()
	p.blocking = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close ends the pipe: a waiting handshake read returns an error.
func (p *tlsPipe) Close() error {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

func (p *tlsPipe) LocalAddr() net.Addr              { return p.local }
func (p *tlsPipe) RemoteAddr() net.Addr             { return p.remote }
func (p *tlsPipe) SetDeadline(time.Time) error      { return nil }
func (p *tlsPipe) SetReadDeadline(time.Time) error  { return nil }
func (p *tlsPipe) SetWriteDeadline(time.Time) error { return nil }

// tlsServers are the TLS settings of every server of an engine, built once
// at start (tls.Config is safe for the handshake goroutines to share).
type tlsServers struct {
	configs map[*conf.Server]*tls.Config
	// caches are the session caches by zone name ("" for builtin ones,
	// per server): ssl_session_cache with ssl_session_tickets off.
	caches map[*conf.Server]*sessionCache
}

// sessionCache is ssl_session_cache's store, for sessions resumed without
// tickets: crypto/tls hands the session to WrapSession and the client gets
// only a random key into this map.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]cachedSession
	swept   time.Time // the last sweep of expired entries (expire)
}

type cachedSession struct {
	state   []byte
	created time.Time
}

// buildTLSServers makes the tls.Config of each server that has certificates
// or an ssl phase handler.
func buildTLSServers(h *conf.HTTP) (*tlsServers, error) {
	ts := &tlsServers{configs: map[*conf.Server]*tls.Config{}, caches: map[*conf.Server]*sessionCache{}}
	shared := map[string]*sessionCache{}
	for _, srv := range h.Servers {
		s := srv.SSL
		if s == nil || (len(s.Certificates) == 0 && s.CertByLua == nil) {
			continue
		}
		cfg := &tls.Config{NextProtos: []string{"http/1.1"}}
		for _, cp := range s.Certificates {
			if !cp.Dynamic() {
				cfg.Certificates = append(cfg.Certificates, cp.Cert)
			}
		}
		cfg.MinVersion, cfg.MaxVersion = protocolRange(s.Protocols)
		if ids, ok := conf.CipherSuites(s.Ciphers); ok {
			cfg.CipherSuites = ids
		}
		cfg.CurvePreferences = curves(s.ECDHCurve)
		switch {
		case len(s.TicketKeys) > 0:
			var keys [][32]byte
			for _, k := range s.TicketKeys {
				keys = append(keys, sha256.Sum256(k))
			}
			cfg.SetSessionTicketKeys(keys)
		default:
			var key [32]byte
			if _, err := rand.Read(key[:]); err != nil {
				return nil, err
			}
			cfg.SetSessionTicketKeys([][32]byte{key})
		}
		switch s.SessionCache {
		case "shared":
			c := shared[s.CacheZone]
			if c == nil {
				c = &sessionCache{entries: map[string]cachedSession{}}
				shared[s.CacheZone] = c
			}
			ts.caches[srv] = c
		case "builtin":
			ts.caches[srv] = &sessionCache{entries: map[string]cachedSession{}}
		}
		ts.configs[srv] = cfg
	}
	return ts, nil
}

// protocolRange maps ssl_protocols onto crypto/tls's version range. Debian's
// OpenSSL refuses TLS 1.0 and 1.1 at its default security level, so the
// lowest version is TLS 1.2 as on the oracle.
func protocolRange(list []string) (min, max uint16) {
	for _, p := range list {
		var v uint16
		switch p {
		case "TLSv1.2":
			v = tls.VersionTLS12
		case "TLSv1.3":
			v = tls.VersionTLS13
		default:
			continue
		}
		if min == 0 || v < min {
			min = v
		}
		if v > max {
			max = v
		}
	}
	if min == 0 {
		// no usable version: every handshake fails ("no protocols available")
		return tls.VersionTLS13, tls.VersionTLS12
	}
	return min, max
}

// opensslGroups are OpenSSL 3.0's default key exchange groups that Go has,
// in its order (Debian 12's libssl, the oracle's: no post-quantum hybrid,
// which Go would otherwise prefer with Go clients).
var opensslGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP521, tls.CurveP384}

// curves maps ssl_ecdh_curve onto crypto/tls's curve ids ("auto": OpenSSL's
// defaults); unknown names are skipped.
func curves(list string) []tls.CurveID {
	if list == "auto" || list == "" {
		return opensslGroups
	}
	var out []tls.CurveID
	for _, name := range splitColon(list) {
		switch name {
		case "X25519", "x25519":
			out = append(out, tls.X25519)
		case "prime256v1", "P-256", "secp256r1":
			out = append(out, tls.CurveP256)
		case "secp384r1", "P-384":
			out = append(out, tls.CurveP384)
		case "secp521r1", "P-521":
			out = append(out, tls.CurveP521)
		}
	}
	return out
}

func splitColon(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ':' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// connConfig is the configuration one connection's handshake uses, mixed
// from two servers as nginx's is: OpenSSL negotiates the version and the
// cipher, and keeps sessions, with the SSL_CTX of the address's default
// server (def) that the connection started with; nginx's servername
// callback then switches to the SNI server's (srv) for the certificate
// and ORs its options in (so "ssl_session_tickets off" in either server
// turns tickets off). The session callbacks record $ssl_session_id on lt.
// Observed on the oracle: difftest tls/protocols and tls/resumption.
func (ts *tlsServers) connConfig(def, srv *conf.Server, lt *tlsLayer, certs []tls.Certificate) *tls.Config {
	base := ts.configs[def]
	cfg := base.Clone()
	cfg.Certificates = ts.configs[srv].Certificates
	if lt.dynCerts != nil {
		cfg.Certificates = append(append([]tls.Certificate(nil), cfg.Certificates...), lt.dynCerts...)
	}
	if certs != nil {
		cfg.Certificates = certs
	}
	if lt.protocols != nil {
		cfg.MinVersion, cfg.MaxVersion = protocolRange(lt.protocols)
	}
	timeout := def.SSL.SessionTimeout
	var cache *sessionCache
	if !def.SSL.SessionTickets || !srv.SSL.SessionTickets {
		cache = ts.caches[def]
		if cache == nil || lt.helloVersion < tls.VersionTLS13 {
			// no tickets: TLS 1.3 resumes from the cache through stateful
			// tickets as OpenSSL does; TLS 1.2 would need session ids,
			// which crypto/tls does not do (difftest tls/resumption_cache)
			cfg.SessionTicketsDisabled = true
			return cfg
		}
	}
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		if lt.sessionID == nil {
			lt.sessionID = make([]byte, 32)
			_, _ = rand.Read(lt.sessionID)
		}
		ss.Extra = [][]byte{lt.sessionID}
		state, err := ss.Bytes()
		if err != nil {
			return nil, err
		}
		now := time.Now()
		if cache != nil {
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			cache.mu.Lock()
			cache.expire(now, timeout)
			cache.entries[string(key)] = cachedSession{state: state, created: now}
			cache.mu.Unlock()
			return key, nil
		}
		ticket, err := base.EncryptTicket(cs, ss)
		if err != nil {
			return nil, err
		}
		// the creation time rides in front of the ticket: ssl_session_timeout
		// bounds its life
		out := binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))
		return append(out, ticket...), nil
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		now := time.Now()
		var ss *tls.SessionState
		if cache != nil {
			cache.mu.Lock()
			cache.expire(now, timeout)
			e, ok := cache.entries[string(identity)]
			cache.mu.Unlock()
			if !ok || now.Sub(e.created) > timeout {
				return nil, nil
			}
			s, err := tls.ParseSessionState(e.state)
			if err != nil {
				return nil, nil
			}
			ss = s
		} else {
			if len(identity) < 8 {
				return nil, nil
			}
			created := time.Unix(int64(binary.BigEndian.Uint64(identity)), 0)
			if now.Sub(created) > timeout {
				return nil, nil
			}
			s, err := base.DecryptTicket(identity[8:], cs)
			if err != nil || s == nil {
				return nil, nil
			}
			ss = s
		}
		if len(ss.Extra) > 0 && len(ss.Extra[0]) == 32 {
			lt.sessionID = ss.Extra[0]
		}
		return ss, nil
	}
	return cfg
}

// expire drops entries older than timeout, at most once a second: a sweep
// reads the whole cache, which handshakes share (a lookup checks the age of
// the entry it finds itself). Locked.
func (c *sessionCache) expire(now time.Time, timeout time.Duration) {
	if now.Sub(c.swept) < time.Second {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		if now.Sub(e.created) > timeout {
			delete(c.entries, k)
		}
	}
}

// sessionIDHex is $ssl_session_id.
func (lt *tlsLayer) sessionIDHex() string {
	if lt == nil || lt.sessionID == nil {
		return ""
	}
	return hex.EncodeToString(lt.sessionID)
}

// versionName is OpenSSL's name of a TLS version ($ssl_protocol).
func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return ""
}

// errHandshakeClosed ends a handshake whose connection closed meanwhile.
var errHandshakeClosed = errors.New("connection closed during the handshake")
