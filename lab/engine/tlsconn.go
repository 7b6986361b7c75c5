package engine

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/trace"
)

// The TLS side of a client connection (tls.go explains the design).

// sslReply is the loop's answer to the handshake goroutine's ClientHello.
type sslReply struct {
	cfg *tls.Config
	err error
}

// errCertCallback fails a handshake whose ssl_certificate_by_lua failed;
// nginx reports OpenSSL's "cert cb error". errHelloCallback is
// ssl_client_hello_by_lua's.
var (
	errCertCallback  = errors.New("error:0A000179:SSL routines::cert cb error")
	errHelloCallback = errors.New("error:0A0000EA:SSL routines::callback failed")
)

// startTLS begins the handshake of a connection accepted on an ssl listener.
func (c *conn) startTLS() {
	lt := &tlsLayer{c: c, pipe: newTLSPipe(), gone: make(chan struct{})}
	c.tls = lt
	loop := c.w.loop
	lt.pipe.local = &net.TCPAddr{}
	lt.pipe.remote = &net.TCPAddr{IP: net.ParseIP(c.remoteAddr)}
	lt.pipe.onOut = func() {
		// one wake-up of the loop for a flight of handshake records: the
		// goroutine writes ServerHello, certificate, ... in several calls
		if !lt.outPosted.CompareAndSwap(false, true) {
			return
		}
		loop.Submit(func() {
			lt.outPosted.Store(false)
			if !c.closed {
				c.sendTLSRaw()
			}
		})
	}
	lt.tc = tls.Server(lt.pipe, &tls.Config{
		GetConfigForClient: lt.chooseConfig,
	})
}

// beginHandshake starts the handshake goroutine once the first bytes are
// in. As nginx's ngx_http_ssl_handshake it looks at the first byte: a TLS
// record (0x16) or an SSLv2 hello (high bit) is a handshake; anything else
// is plain HTTP on an ssl port, answered with a 400 of its own. It
// reports whether the connection stays TLS.
func (c *conn) beginHandshake(first []byte) bool {
	lt := c.tls
	if first[0] != 0x16 && first[0]&0x80 == 0 {
		c.tls = nil
		c.plainOnSSL = true
		lt.pipe.Close()
		close(lt.gone)
		return false
	}
	lt.started = true
	loop := c.w.loop
	go func() {
		err := lt.tc.Handshake()
		loop.Submit(func() { c.tlsHandshakeDone(err) })
	}()
	return true
}

// chooseConfig runs on the handshake goroutine when the ClientHello is in:
// the loop picks the server and runs its ssl phase; this waits for it.
func (lt *tlsLayer) chooseConfig(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	reply := make(chan sslReply, 1)
	lt.c.w.loop.Submit(func() { lt.onClientHello(hello, reply) })
	select {
	case r := <-reply:
		return r.cfg, r.err
	case <-lt.gone:
		return nil, errHandshakeClosed
	}
}

// onClientHello chooses the server by SNI as nginx's servername callback
// does and answers with its certificates, after its ssl_certificate_by_lua
// when it has one. Loop.
func (lt *tlsLayer) onClientHello(hello *tls.ClientHelloInfo, reply chan<- sslReply) {
	c := lt.c
	if c.closed {
		reply <- sslReply{err: errHandshakeClosed}
		return
	}
	h := c.w.e.cfg.HTTP
	ts := c.w.e.tls
	def := h.FindServer(c.l.addr, "")
	lt.def, lt.helloDone = def, true
	if c.w.rec.Enabled() {
		c.w.rec.Emit(trace.Event{Kind: trace.TLSHello, FD: int32(c.fd), Detail: helloDetail(hello)})
	}
	if ts.configs[def] == nil {
		reply <- sslReply{err: errors.New("no ssl configured for the server")}
		return
	}
	if code := def.SSL.ClientHelloByLua; code != nil {
		// OpenSSL's client hello callback: the default server's, before SNI
		c.w.startSSLPhase(lt, def, hello, phaseSSLClientHello, code, func(call *sslCall) {
			if call.failed {
				reply <- sslReply{err: errHelloCallback}
				return
			}
			lt.chooseServer(hello, reply)
		})
		return
	}
	lt.chooseServer(hello, reply)
}

// chooseServer picks the server by SNI as nginx's servername callback
// does and answers with its certificates, after its ssl_certificate_by_lua
// when it has one. Loop.
func (lt *tlsLayer) chooseServer(hello *tls.ClientHelloInfo, reply chan<- sslReply) {
	c := lt.c
	if c.closed {
		reply <- sslReply{err: errHandshakeClosed}
		return
	}
	ts := c.w.e.tls
	def := lt.def
	srv := c.w.e.cfg.HTTP.FindServer(c.l.addr, hello.ServerName)
	if srv == nil || ts.configs[srv] == nil {
		// a server without TLS settings: the address's default one's stay
		srv = def
	}
	lt.srv, lt.sni = srv, hello.ServerName
	cfg := ts.configs[def]
	min, max := cfg.MinVersion, cfg.MaxVersion
	if lt.protocols != nil {
		min, max = protocolRange(lt.protocols)
	}
	lt.helloVersion = chosenVersion(hello.SupportedVersions, min, max)
	if !lt.loadDynamicCerts(srv) {
		reply <- sslReply{err: errCertCallback}
		return
	}
	if srv.SSL.CertByLua != nil {
		c.w.startSSLCert(lt, srv, hello, reply)
		return
	}
	reply <- sslReply{cfg: ts.connConfig(def, srv, lt, nil)}
}

// helloDetail describes a ClientHello for the trace.
func helloDetail(hello *tls.ClientHelloInfo) string {
	var b strings.Builder
	b.WriteString("sni=")
	if hello.ServerName == "" {
		b.WriteString("-")
	} else {
		b.WriteString(hello.ServerName)
	}
	b.WriteString(" versions=")
	for i, v := range hello.SupportedVersions {
		if i > 0 {
			b.WriteByte(',')
		}
		if n := versionName(v); n != "" {
			b.WriteString(n)
		} else {
			b.WriteString("0x")
			b.WriteString(strings.ToLower(strings.TrimLeft(hexWord(v), "0")))
		}
	}
	return b.String()
}

func hexWord(v uint16) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// chosenVersion is the version crypto/tls will pick: the client's first
// supported one within the server's range.
func chosenVersion(offered []uint16, min, max uint16) uint16 {
	best := uint16(0)
	for _, v := range offered {
		if v >= min && v <= max && v > best {
			best = v
		}
	}
	return best
}

// tlsHandshakeDone ends the handshake: a failure is logged as nginx does
// and closes; success hands the tls.Conn to the loop. Loop.
func (c *conn) tlsHandshakeDone(err error) {
	lt := c.tls
	if c.closed {
		return
	}
	if err != nil {
		c.sendTLSRaw() // the alert, if any
		why := handshakeFailure(err)
		c.w.log(LevelInfo, c.num, why+" while SSL handshaking, client: "+c.remoteAddr+", server: "+c.l.addr)
		if c.w.rec.Enabled() {
			c.w.rec.Emit(trace.Event{Kind: trace.TLSDone, FD: int32(c.fd), Detail: "failed: " + why})
		}
		c.close("SSL handshake failed")
		return
	}
	lt.established = true
	lt.pipe.stopBlocking()
	lt.state = lt.tc.ConnectionState()
	if c.w.rec.Enabled() {
		how := "new"
		if lt.state.DidResume {
			how = "resumed"
		}
		c.w.rec.Emit(trace.Event{Kind: trace.TLSDone, FD: int32(c.fd), Detail: versionName(lt.state.Version) + " " + conf.CipherName(lt.state.CipherSuite) + " " + how})
	}
	if !c.sendTLSRaw() {
		return
	}
	c.tlsDecrypt()
	c.process()
}

// handshakeFailure words a failed handshake as nginx's error_log does.
func handshakeFailure(err error) string {
	switch {
	case errors.Is(err, errCertCallback), errors.Is(err, errHelloCallback):
		return "SSL_do_handshake() failed (SSL: " + err.Error() + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errHandshakeClosed), errors.Is(err, net.ErrClosed):
		return "peer closed connection in SSL handshake"
	}
	msg := strings.TrimPrefix(err.Error(), "tls: ")
	return "SSL_do_handshake() failed (SSL: " + msg + ")"
}

// tlsRead reads ciphertext from the socket into the pipe, then (after the
// handshake) decrypts what it can into the input buffer.
func (c *conn) tlsRead() {
	lt := c.tls
	buf := c.w.tlsScratch()
	for {
		if lt.pipe.buffered() >= maxBufferedInput {
			c.readMore = true
			break
		}
		n, err := unix.Read(c.fd, buf)
		if n > 0 {
			if c.w.rec.Enabled() {
				c.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(c.fd), Arg: int64(n), Req: c.reqID()})
			}
			if !lt.started && !c.beginHandshake(buf[:n]) {
				c.rbuf = append(c.rbuf, buf[:n]...) // plain HTTP: on as an http connection
				c.read(true)
				return
			}
			lt.pipe.feed(buf[:n], false)
			if !lt.helloDone && len(lt.helloRaw) < maxHelloBytes {
				lt.helloRaw = append(lt.helloRaw, buf[:n]...) // for ngx.ssl.clienthello
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if n == 0 && err == nil && c.w.rec.Enabled() {
			c.w.rec.Emit(trace.Event{Kind: trace.Read, FD: int32(c.fd), Arg: 0, Req: c.reqID()})
		}
		lt.pipe.feed(nil, true) // EOF or a reset: crypto/tls sees the end
		if !lt.started {
			c.w.log(LevelInfo, c.num, "client closed connection while SSL handshaking, client: "+c.remoteAddr+", server: "+c.l.addr)
			c.close("client closed connection")
			return
		}
		if !lt.established {
			c.eof = true // the handshake goroutine fails and reports it
		}
		break
	}
	if lt.established {
		c.tlsDecrypt()
	}
}

// tlsDecrypt moves plaintext from crypto/tls into the input buffer until it
// would block (a partial record waits for more ciphertext).
func (c *conn) tlsDecrypt() {
	lt := c.tls
	for {
		if len(c.rbuf)-c.rpos >= maxBufferedInput {
			c.readMore = true
			break
		}
		c.makeReadRoom()
		n, err := lt.tc.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
		c.rbuf = c.rbuf[:len(c.rbuf)+n]
		if err != nil {
			var wb wouldBlockError
			if !errors.As(err, &wb) {
				c.eof = true // close_notify, EOF or a bad record: no more input
			}
			break
		}
	}
	c.sendTLSRaw() // a key update's answer, an alert
}

// tlsWrite encrypts plaintext and writes the records; it reports the
// plaintext taken (all of it) and unix.EAGAIN when records wait for EPOLLOUT.
func (c *conn) tlsWrite(b []byte) (int, error) {
	if _, err := c.tls.tc.Write(b); err != nil {
		return 0, unix.EPIPE
	}
	if !c.sendTLSRaw() {
		if c.eof {
			return len(b), unix.EPIPE
		}
		return len(b), unix.EAGAIN
	}
	return len(b), nil
}

// sendTLSRaw writes queued ciphertext; it reports whether all of it went
// out (false: EPOLLOUT will call flush again, or the peer is gone).
func (c *conn) sendTLSRaw() bool {
	lt := c.tls
	if out := lt.pipe.takeOut(); len(out) > 0 {
		lt.rawOut = append(lt.rawOut, out...)
	}
	if len(lt.rawOut) == 0 {
		return true
	}
	n, err := c.w.writeNonblock(c.fd, lt.rawOut, c.reqID())
	lt.wrote = n
	lt.rawOut = lt.rawOut[n:]
	if len(lt.rawOut) == 0 {
		lt.rawOut = nil
		return true
	}
	if err != nil && err != unix.EAGAIN {
		lt.rawOut = nil
		c.eof = true
		if c.req != nil {
			c.req.clientGone = true
		}
	}
	return false
}

// closeNotify sends TLS's close_notify alert before the write side closes,
// as nginx's SSL_shutdown.
func (c *conn) closeNotify() {
	if lt := c.tls; lt != nil && lt.established && !lt.notified {
		lt.notified = true
		_ = lt.tc.CloseWrite()
		c.sendTLSRaw()
	}
}

// endTLS releases a closing connection's TLS state: a waiting handshake
// goroutine returns.
func (c *conn) endTLS() {
	lt := c.tls
	if lt == nil {
		return
	}
	c.closeNotify()
	lt.pipe.Close()
	select {
	case <-lt.gone:
	default:
		close(lt.gone)
	}
}

// buffered is how much ciphertext waits for crypto/tls.
func (p *tlsPipe) buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.in)
}

// tlsScratch is the worker's buffer for reading ciphertext.
func (w *worker) tlsScratch() []byte {
	if w.tlsBuf == nil {
		w.tlsBuf = make([]byte, readChunk)
	}
	return w.tlsBuf
}

// outPending reports whether output waits for the socket: plaintext not
// written yet, or records not sent yet.
func (c *conn) outPending() bool {
	return c.wpos < len(c.wbuf) || (c.tls != nil && len(c.tls.rawOut) > 0)
}
