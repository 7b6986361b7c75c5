package engine

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/coro"
	"github.com/restylab/restylab/lab/trace"
)

// ssl_certificate_by_lua and require "ngx.ssl".
//
// The handler runs while the handshake waits in crypto/tls's certificate
// callback (tlsconn.go): on the worker, as a coroutine of a fake request
// with a connection number of its own, as ngx_lua runs it. It may sleep,
// use cosockets and shared dicts; the handshake goes on when it ends. A Lua
// error or ngx.exit(ngx.ERROR) fails the handshake with OpenSSL's "cert cb
// error"; certificates it set replace the server's.

// sslCall is one ssl_certificate_by_lua (or ssl_client_hello_by_lua) run
// and what its Lua set.
type sslCall struct {
	lt    *tlsLayer
	srv   *conf.Server
	hello *tls.ClientHelloInfo
	phase phase
	// then goes on with the handshake once the handler and its threads ended.
	then func(call *sslCall)
	// failed: a Lua error or ngx.exit with an error code.
	failed bool
	// cleared: ngx.ssl.clear_certs ran; chain and key: what Lua set.
	cleared bool
	chain   [][]byte
	key     crypto.PrivateKey
	keyErr  bool // a key that does not match the certificate was refused
	done    bool
}

// startSSLCert runs the server's ssl_certificate_by_lua for a handshake.
func (w *worker) startSSLCert(lt *tlsLayer, srv *conf.Server, hello *tls.ClientHelloInfo, reply chan<- sslReply) {
	w.startSSLPhase(lt, srv, hello, phaseSSLCert, srv.SSL.CertByLua, func(call *sslCall) { call.answer(w, reply) })
}

// startSSLPhase runs an ssl phase handler as a coroutine of a fake request;
// then runs when it ended.
func (w *worker) startSSLPhase(lt *tlsLayer, srv *conf.Server, hello *tls.ClientHelloInfo, p phase, code *conf.LuaCode, then func(*sslCall)) {
	call := &sslCall{lt: lt, srv: srv, hello: hello, phase: p, then: then}
	r := &request{w: w, id: w.e.seq.req.Add(1), phase: p, start: w.loop.Now(), isTimer: true,
		fakeConn: w.e.seq.conn.Add(1), ssl: call}
	w.useVM(r)
	fn, err := w.function(code)
	if err != nil {
		r.logErr(LevelErr, "failed to load the Lua code for "+p.context()+": "+err.Error())
		call.failed = true
		call.finish(r)
		return
	}
	r.code = code
	r.entryT = &uthread{r: r, entry: true}
	r.running = r.entryT
	r.th = w.sched.NewThread()
	r.coID = w.newCoID(r.th)
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.PhaseEnter, FD: int32(lt.c.fd), Req: r.id, Phase: p.String(), Source: code.ChunkName})
		w.rec.Emit(trace.Event{Kind: trace.CoCreate, Req: r.id, Co: r.coID, Phase: p.String(), Source: code.ChunkName})
	}
	r.afterResume(w.enter(r, func() coro.Result { return w.sched.Start(r.th, fn) }))
	r.runPosted()
	r.timerCheckDone()
}

// finish goes on with the handshake once the handler and its threads
// ended.
func (call *sslCall) finish(r *request) {
	if call.done {
		return
	}
	call.done = true
	w := r.w
	if w.rec.Enabled() {
		w.rec.Emit(trace.Event{Kind: trace.PhaseExit, Req: r.id, Phase: call.phase.String()})
	}
	call.then(call)
}

// answer replies to the handshake goroutine after ssl_certificate_by_lua:
// the certificates Lua set, the server's, or a failure.
func (call *sslCall) answer(w *worker, reply chan<- sslReply) {
	if call.failed {
		reply <- sslReply{err: errCertCallback}
		return
	}
	var certs []tls.Certificate
	if call.cleared || call.chain != nil || call.key != nil {
		if call.chain == nil || call.key == nil {
			// OpenSSL then finds no certificate for any cipher
			reply <- sslReply{err: errors.New("error:0A0000C1:SSL routines::no shared cipher")}
			return
		}
		cert := tls.Certificate{PrivateKey: call.key}
		cert.Certificate = call.chain
		if leaf, err := x509.ParseCertificate(call.chain[0]); err == nil {
			cert.Leaf = leaf
		}
		certs = []tls.Certificate{cert}
	}
	reply <- sslReply{cfg: w.e.tls.connConfig(call.lt.def, call.srv, call.lt, certs)}
}

// fakeContext is what error_log lines of a fake request end with.
func (r *request) fakeContext() string {
	if r.ssl != nil {
		c := r.ssl.lt.c
		return ", context: " + r.ssl.phase.context() + ", client: " + c.remoteAddr + ", server: " + c.l.addr
	}
	return ", context: ngx.timer"
}

// preloadSSL registers require "ngx.ssl".
func (w *worker) preloadSSL(pre *lua.LTable) {
	pre.RawSetString("ngx.ssl", w.L.NewFunction(func(L *lua.LState) int {
		t := L.NewTable()
		t.RawSetString("version", lua.LString(restyCoreVersion))
		for name, v := range map[string]int{"SSL3_VERSION": 0x0300, "TLS1_VERSION": 0x0301, "TLS1_1_VERSION": 0x0302,
			"TLS1_2_VERSION": 0x0303, "TLS1_3_VERSION": 0x0304} {
			t.RawSetString(name, lua.LNumber(v))
		}
		for name, fn := range map[string]lua.LGFunction{
			"server_name":          w.sslServerName,
			"server_port":          w.sslServerPort,
			"raw_server_addr":      w.sslRawServerAddr,
			"raw_client_addr":      w.sslRawClientAddr,
			"get_tls1_version":     w.sslTLSVersion,
			"get_tls1_version_str": w.sslTLSVersionStr,
			"clear_certs":          w.sslClearCerts,
			"set_der_cert":         w.sslSetDERCert,
			"set_der_priv_key":     w.sslSetDERKey,
			"cert_pem_to_der":      sslCertPEMToDER,
			"priv_key_pem_to_der":  sslKeyPEMToDER,
			"parse_pem_cert":       sslParsePEMCert,
			"parse_pem_priv_key":   sslParsePEMKey,
			"set_cert":             w.sslSetCert,
			"set_priv_key":         w.sslSetKey,
		} {
			t.RawSetString(name, L.NewFunction(fn))
		}
		L.Push(t)
		return 1
	}))
}

// sslConn finds the TLS connection the calling code is about: the
// handshake of an ssl phase handler, or a request's connection. It raises
// "no request found" outside requests, as lua-resty-core does; a plain
// HTTP connection gives lt == nil ("bad request").
func (w *worker) sslConn(L *lua.LState) (*tlsLayer, *sslCall) {
	r := w.cur
	if r == nil || r.phase == phaseInit || r.phase == phaseInitWorker || (r.isTimer && r.ssl == nil) {
		raise(L, "no request found")
		return nil, nil
	}
	if r.ssl != nil {
		return r.ssl.lt, r.ssl
	}
	if r.c != nil && r.c.tls != nil {
		return r.c.tls, nil
	}
	return nil, nil
}

// sslCallOnly is sslConn for the functions that only an ssl phase handler
// may call (the certificate setters): elsewhere they fail as ngx_lua's do.
func (w *worker) sslCallOnly(L *lua.LState) *sslCall {
	_, call := w.sslConn(L)
	return call
}

func (w *worker) sslServerName(L *lua.LState) int {
	lt, call := w.sslConn(L)
	if lt == nil {
		return nilErr(L, "bad request")
	}
	if lt.sni == "" || call != nil && call.phase == phaseSSLClientHello {
		// before the servername callback, OpenSSL has no name yet
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(lt.sni))
	return 1
}

func (w *worker) sslServerPort(L *lua.LState) int {
	lt, _ := w.sslConn(L)
	if lt == nil {
		return nilErr(L, "bad request")
	}
	p, _ := strconv.Atoi(lt.c.l.port)
	L.Push(lua.LNumber(p))
	return 1
}

// rawAddr pushes an address as ngx.ssl's raw_*_addr: the 4 or 16 bytes
// and "inet" or "inet6".
func rawAddr(L *lua.LState, addr string) int {
	ip := net.ParseIP(addr)
	if ip4 := ip.To4(); ip4 != nil {
		L.Push(lua.LString(ip4))
		L.Push(lua.LString("inet"))
		return 2
	}
	if ip != nil {
		L.Push(lua.LString(ip.To16()))
		L.Push(lua.LString("inet6"))
		return 2
	}
	L.Push(lua.LNil)
	L.Push(lua.LNil)
	L.Push(lua.LString("unknown address type"))
	return 3
}

func (w *worker) sslRawServerAddr(L *lua.LState) int {
	return w.sslRawAddr(L, func(c *conn) string { return c.serverAddr })
}

func (w *worker) sslRawClientAddr(L *lua.LState) int {
	return w.sslRawAddr(L, func(c *conn) string { return c.remoteAddr })
}

// sslRawAddr answers raw_server_addr or raw_client_addr with the address
// of the connection which picks.
func (w *worker) sslRawAddr(L *lua.LState, which func(*conn) string) int {
	lt, _ := w.sslConn(L)
	if lt == nil {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		L.Push(lua.LString("bad request"))
		return 3
	}
	return rawAddr(L, which(lt.c))
}

// tlsVersion is the connection's version: the one being negotiated during
// the handshake, the agreed one after it.
func (lt *tlsLayer) tlsVersion() uint16 {
	if lt.established {
		return lt.state.Version
	}
	return lt.helloVersion
}

func (w *worker) sslTLSVersion(L *lua.LState) int {
	lt, _ := w.sslConn(L)
	if lt == nil {
		return nilErr(L, "bad request")
	}
	L.Push(lua.LNumber(lt.tlsVersion()))
	return 1
}

func (w *worker) sslTLSVersionStr(L *lua.LState) int {
	lt, _ := w.sslConn(L)
	if lt == nil {
		return nilErr(L, "bad request")
	}
	name := versionName(lt.tlsVersion())
	if name == "" {
		return nilErr(L, "unknown version")
	}
	L.Push(lua.LString(name))
	return 1
}

func (w *worker) sslClearCerts(L *lua.LState) int {
	call := w.sslCallOnly(L)
	if call == nil {
		return nilErr(L, "bad request")
	}
	call.cleared, call.chain, call.key = true, nil, nil
	L.Push(lua.LTrue)
	return 1
}

func (w *worker) sslSetDERCert(L *lua.LState) int {
	call := w.sslCallOnly(L)
	der := L.CheckString(1)
	if call == nil {
		return nilErr(L, "bad request")
	}
	chain, err := parseDERChain([]byte(der))
	if err != nil {
		return nilErr(L, "d2i_X509_bio() failed")
	}
	call.chain = chain
	L.Push(lua.LTrue)
	return 1
}

// parseDERChain splits concatenated DER certificates.
func parseDERChain(der []byte) ([][]byte, error) {
	certs, err := x509.ParseCertificates(der)
	if err != nil || len(certs) == 0 {
		return nil, errors.New("bad certificate")
	}
	var out [][]byte
	for _, c := range certs {
		out = append(out, c.Raw)
	}
	return out, nil
}

func (w *worker) sslSetDERKey(L *lua.LState) int {
	call := w.sslCallOnly(L)
	der := L.CheckString(1)
	if call == nil {
		return nilErr(L, "bad request")
	}
	key, err := parseDERKey([]byte(der))
	if err != nil {
		return nilErr(L, "d2i_PrivateKey_bio() failed")
	}
	if !call.keyMatches(key) {
		return nilErr(L, "SSL_use_PrivateKey() failed")
	}
	call.key = key
	L.Push(lua.LTrue)
	return 1
}

// keyMatches checks a key against the certificate Lua set, as OpenSSL's
// SSL_use_PrivateKey does.
func (call *sslCall) keyMatches(key crypto.PrivateKey) bool {
	if call.chain == nil {
		return true
	}
	leaf, err := x509.ParseCertificate(call.chain[0])
	if err != nil {
		return false
	}
	type pub interface{ Public() crypto.PublicKey }
	k, ok := key.(pub)
	if !ok {
		return false
	}
	type eq interface{ Equal(crypto.PublicKey) bool }
	p, ok := k.Public().(eq)
	return ok && p.Equal(leaf.PublicKey)
}

// parseDERKey reads a private key in the DER forms OpenSSL's d2i_PrivateKey
// accepts: PKCS#1 RSA, SEC 1 EC, PKCS#8.
func parseDERKey(der []byte) (crypto.PrivateKey, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch k.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k, nil
		}
	}
	return nil, errors.New("bad key")
}

// sslCertPEMToDER is ngx.ssl.cert_pem_to_der: every certificate of a PEM
// chain, concatenated as DER.
func sslCertPEMToDER(L *lua.LState) int {
	der, ok := pemCertsDER([]byte(L.CheckString(1)))
	if !ok {
		return nilErr(L, "PEM_read_bio_X509_AUX() failed")
	}
	L.Push(lua.LString(der))
	return 1
}

func pemCertsDER(data []byte) ([]byte, bool) {
	var out []byte
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" || blk.Type == "TRUSTED CERTIFICATE" {
			out = append(out, blk.Bytes...)
		}
	}
	return out, len(out) > 0
}

// sslKeyPEMToDER is ngx.ssl.priv_key_pem_to_der: the key as OpenSSL's
// i2d_PrivateKey writes it (PKCS#1 for RSA, SEC 1 for EC).
func sslKeyPEMToDER(L *lua.LState) int {
	key, ok := pemKey([]byte(L.CheckString(1)))
	if !ok {
		return nilErr(L, "PEM_read_bio_PrivateKey() failed")
	}
	var der []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		der = x509.MarshalPKCS1PrivateKey(k)
	case *ecdsa.PrivateKey:
		der, _ = x509.MarshalECPrivateKey(k)
	default:
		der, _ = x509.MarshalPKCS8PrivateKey(k)
	}
	L.Push(lua.LString(der))
	return 1
}

func pemKey(data []byte) (crypto.PrivateKey, bool) {
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			return nil, false
		}
		if k, err := parseDERKey(blk.Bytes); err == nil {
			return k, true
		}
	}
}

// pemCert and pemPrivKey are what parse_pem_cert and parse_pem_priv_key
// return (cdata in lua-resty-core; userdata here).
type pemCert struct{ chain [][]byte }
type pemPrivKey struct{ key crypto.PrivateKey }

func sslParsePEMCert(L *lua.LState) int {
	der, ok := pemCertsDER([]byte(L.CheckString(1)))
	if !ok {
		return nilErr(L, "PEM_read_bio_X509_AUX() failed")
	}
	chain, err := parseDERChain(der)
	if err != nil {
		return nilErr(L, "PEM_read_bio_X509_AUX() failed")
	}
	ud := L.NewUserData()
	ud.Value = &pemCert{chain: chain}
	L.Push(ud)
	return 1
}

func sslParsePEMKey(L *lua.LState) int {
	key, ok := pemKey([]byte(L.CheckString(1)))
	if !ok {
		return nilErr(L, "PEM_read_bio_PrivateKey() failed")
	}
	ud := L.NewUserData()
	ud.Value = &pemPrivKey{key: key}
	L.Push(ud)
	return 1
}

// cdataArg is argument i as the object a parse_pem_* call returned
// (lua-resty-core's cdata), raising its argument error otherwise.
func cdataArg[T any](L *lua.LState, i int) *T {
	if ud, ok := L.Get(i).(*lua.LUserData); ok {
		if v, ok := ud.Value.(*T); ok {
			return v
		}
	}
	L.ArgError(i, "cdata expected")
	return nil
}

func (w *worker) sslSetCert(L *lua.LState) int {
	call := w.sslCallOnly(L)
	pc := cdataArg[pemCert](L, 1)
	if call == nil {
		return nilErr(L, "bad request")
	}
	call.chain = pc.chain
	L.Push(lua.LTrue)
	return 1
}

func (w *worker) sslSetKey(L *lua.LState) int {
	call := w.sslCallOnly(L)
	pk := cdataArg[pemPrivKey](L, 1)
	if call == nil {
		return nilErr(L, "bad request")
	}
	if !call.keyMatches(pk.key) {
		return nilErr(L, "SSL_use_PrivateKey() failed")
	}
	call.key = pk.key
	L.Push(lua.LTrue)
	return 1
}
