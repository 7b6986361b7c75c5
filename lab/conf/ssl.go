package conf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// SSL is a server's TLS settings: ngx_http_ssl_module's directives and
// ngx_lua's ssl phase handlers, inherited from http as nginx merges them.
// Only servers with a "listen ... ssl" address use them.
type SSL struct {
	// Certificates are the ssl_certificate / ssl_certificate_key pairs in
	// order (nginx allows several, e.g. an RSA and an ECDSA one).
	Certificates []CertPair
	// Protocols are the ssl_protocols names ("TLSv1.2", "TLSv1.3").
	Protocols []string
	// Ciphers is ssl_ciphers, an OpenSSL cipher list.
	Ciphers string
	// PreferServerCiphers is ssl_prefer_server_ciphers.
	PreferServerCiphers bool
	// ECDHCurve is ssl_ecdh_curve ("auto" or names joined by ':').
	ECDHCurve string
	// SessionCache is ssl_session_cache: "none" (nginx's default), "off",
	// or a builtin and/or shared cache (CacheZone names the shared one).
	SessionCache string
	CacheZone    string
	// SessionTimeout is ssl_session_timeout (default 5m).
	SessionTimeout time.Duration
	// SessionTickets is ssl_session_tickets (default on).
	SessionTickets bool
	// TicketKeys are the ssl_session_ticket_key files' contents (48 or 80
	// bytes each), the first one encrypting.
	TicketKeys [][]byte
	// CertByLua is ssl_certificate_by_lua_block/_file; ClientHelloByLua is
	// ssl_client_hello_by_lua_block/_file.
	CertByLua        *LuaCode
	ClientHelloByLua *LuaCode
}

// CertPair is one ssl_certificate with its ssl_certificate_key, read and
// checked at load time as nginx does; or, when either path has variables
// (ssl_certificate $ssl_server_name.crt), read per handshake (Dynamic).
type CertPair struct {
	CertFile, KeyFile string
	// Cert is the parsed chain with its key (static pairs).
	Cert tls.Certificate `json:"-"`
	// CertTpl and KeyTpl are the paths of a dynamic pair.
	CertTpl, KeyTpl *Template `json:",omitempty"`
	Pos             Pos
	// confDir resolves relative paths; root confines the files a dynamic
	// pair may read (a sandboxed workspace).
	confDir, root string
}

// Dynamic reports whether the pair's files are named by variables and
// read per handshake.
func (p CertPair) Dynamic() bool { return p.CertTpl != nil }

// Load reads a dynamic pair for one handshake: its paths expanded with
// lookup, resolved as nginx does (relative to the configuration's
// directory). A file outside the sandbox's root is refused as unreadable.
// The error is nginx's "cannot load certificate ..." text.
func (p CertPair) Load(lookup func(name string) (string, bool)) (tls.Certificate, error) {
	cp, kp := p.CertTpl.Expand(lookup), p.KeyTpl.Expand(lookup)
	if !filepath.IsAbs(cp) {
		cp = filepath.Join(p.confDir, cp)
	}
	if !filepath.IsAbs(kp) {
		kp = filepath.Join(p.confDir, kp)
	}
	read := func(path string) ([]byte, error) {
		if p.root != "" && !inside(p.root, path) {
			return nil, syscall.EACCES
		}
		return readFile(path)
	}
	pair, err := loadPEMPair(cp, kp, read)
	if err != nil {
		return tls.Certificate{}, err
	}
	return pair.Cert, nil
}

// Default ssl_* values of nginx 1.22 (ngx_http_ssl_module.c).
const (
	defaultSSLCiphers     = "HIGH:!aNULL:!MD5"
	defaultSessionTimeout = 5 * time.Minute
)

// sslLevel holds the ssl_* directives given at one level (http or server).
type sslLevel struct {
	certs         []string
	certPos       []Pos
	keys          []string
	protocols     []string
	ciphers       *string
	prefer        *bool
	curve         *string
	cache         *string
	cacheZone     string
	timeout       *time.Duration
	tickets       *bool
	ticketKeys    [][]byte
	hasTicketKeys bool
	certByLua     *LuaCode
	helloByLua    *LuaCode
	on            *bool // the deprecated "ssl on|off"
	onPos         Pos
}

// addSSLSpecs registers the ssl module's directives and ngx_lua's ssl
// phase handlers.
func addSSLSpecs(m map[string]spec) {
	m["ssl_certificate"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslCertificate}
	m["ssl_certificate_key"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslCertificate}
	m["ssl_protocols"] = spec{ctx: cHTTP | cServer, min: 1, max: -1, fn: (*builder).sslProtocols}
	m["ssl_ciphers"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslString}
	m["ssl_ecdh_curve"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslString}
	m["ssl_prefer_server_ciphers"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslFlag}
	m["ssl_session_tickets"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslFlag}
	m["ssl_session_cache"] = spec{ctx: cHTTP | cServer, min: 1, max: 2, fn: (*builder).sslSessionCache}
	m["ssl_session_timeout"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslSessionTimeout}
	m["ssl_session_ticket_key"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslTicketKey}
	m["ssl"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslOn}
	m["ssl_dhparam"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslDHParam}
	for _, p := range []string{"ssl_certificate_by_lua", "ssl_client_hello_by_lua"} {
		m[p+"_block"] = spec{ctx: cHTTP | cServer, block: true, luaBlock: true, fn: (*builder).sslByLua}
		m[p+"_file"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).sslByLua}
	}
}

// confFile resolves a path as nginx's ngx_conf_full_name with conf_prefix:
// relative to the directory of nginx.conf.
func (b *builder) confFile(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(b.confDir, p)
}

// sslCertificate handles ssl_certificate and ssl_certificate_key: each may
// be given several times; they pair up in order.
func (b *builder) sslCertificate(s *scope, d *directive) error {
	sl := &s.lvl.ssl
	if d.name == "ssl_certificate" {
		sl.certs = append(sl.certs, d.arg(0))
		sl.certPos = append(sl.certPos, d.pos)
		return nil
	}
	sl.keys = append(sl.keys, d.arg(0))
	return nil
}

// sslOn handles the deprecated "ssl on|off" of nginx 1.22: on makes every
// listen of the server TLS, with nginx's warning.
func (b *builder) sslOn(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	b.diags = append(b.diags, Diagnostic{Warn: true, Pos: d.pos,
		Message: "the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead"})
	s.lvl.ssl.on, s.lvl.ssl.onPos = &on, d.pos
	return nil
}

// sslProtocols handles ssl_protocols [SSLv2] [SSLv3] [TLSv1] [TLSv1.1]
// [TLSv1.2] [TLSv1.3].
func (b *builder) sslProtocols(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	var list []string
	for _, a := range d.args {
		switch a.s {
		case "SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3":
			list = append(list, a.s)
		default:
			return errf(d.pos, "invalid value \"%s\"", a.s)
		}
	}
	s.lvl.ssl.protocols = list
	return nil
}

// sslString handles ssl_ciphers and ssl_ecdh_curve.
func (b *builder) sslString(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	if d.name == "ssl_ciphers" {
		s.lvl.ssl.ciphers = &v
	} else {
		s.lvl.ssl.curve = &v
	}
	return nil
}

// sslFlag handles ssl_prefer_server_ciphers and ssl_session_tickets.
func (b *builder) sslFlag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	if d.name == "ssl_prefer_server_ciphers" {
		s.lvl.ssl.prefer = &on
	} else {
		s.lvl.ssl.tickets = &on
	}
	return nil
}

// sslSessionCache handles ssl_session_cache off | none | [builtin[:size]]
// [shared:name:size], with nginx's "invalid session cache" error.
func (b *builder) sslSessionCache(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	mode := ""
	for _, a := range d.args {
		v := a.s
		switch {
		case v == "off" || v == "none":
			if len(d.args) > 1 {
				return errf(d.pos, "invalid session cache \"%s\"", v)
			}
			mode = v
		case v == "builtin":
			mode = "builtin"
		case strings.HasPrefix(v, "builtin:"):
			if n, ok := parseDigits(v[len("builtin:"):]); !ok || n == 0 {
				return errf(d.pos, "invalid session cache \"%s\"", v)
			}
			mode = "builtin"
		case strings.HasPrefix(v, "shared:"):
			name, size, ok := strings.Cut(v[len("shared:"):], ":")
			n, sok := parseSize(size)
			if !ok || name == "" || !sok {
				return errf(d.pos, "invalid session cache \"%s\"", v)
			}
			if n < 8*4096 {
				return errf(d.pos, "session cache \"%s\" is too small", v)
			}
			s.lvl.ssl.cacheZone = name
			mode = "shared"
		default:
			return errf(d.pos, "invalid session cache \"%s\"", v)
		}
	}
	s.lvl.ssl.cache = &mode
	return nil
}

// sslSessionTimeout handles ssl_session_timeout TIME.
func (b *builder) sslSessionTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	t, ok := parseTime(d.arg(0))
	if !ok {
		return errf(d.pos, "invalid value \"%s\"", d.arg(0))
	}
	s.lvl.ssl.timeout = &t
	return nil
}

// sslTicketKey handles ssl_session_ticket_key FILE: a 48- or 80-byte key
// file (ngx_ssl_session_ticket_keys).
func (b *builder) sslTicketKey(s *scope, d *directive) error {
	path := b.confFile(d.arg(0))
	data, err := b.readFile(path)
	if err != nil {
		_, reason := strerror(err)
		return errf(d.pos, "open() \"%s\" failed (%s)", path, reason)
	}
	if len(data) != 48 && len(data) != 80 {
		return errf(d.pos, "\"%s\" must be 48 or 80 bytes", path)
	}
	s.lvl.ssl.ticketKeys = append(s.lvl.ssl.ticketKeys, data)
	s.lvl.ssl.hasTicketKeys = true
	return nil
}

// sslDHParam handles ssl_dhparam FILE: the file must hold DH parameters
// (Go's TLS has no finite-field DHE suites, so they are not used).
func (b *builder) sslDHParam(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	path := b.confFile(d.arg(0))
	data, err := b.readFile(path)
	if err != nil {
		_, reason := strerror(err)
		return &Error{Msg: fmt.Sprintf("PEM_read_bio_DHparams(\"%s\") failed (%s)", path, reason)}
	}
	if !strings.Contains(string(data), "-----BEGIN DH PARAMETERS-----") {
		return &Error{Msg: fmt.Sprintf("PEM_read_bio_DHparams(\"%s\") failed (SSL: no start line: Expecting: DH PARAMETERS)", path)}
	}
	return nil
}

// sslByLua handles ssl_certificate_by_lua* and ssl_client_hello_by_lua*.
func (b *builder) sslByLua(s *scope, d *directive) error {
	code, err := b.luaCode(d, 0)
	if err != nil {
		return err
	}
	slot := &s.lvl.ssl.certByLua
	if strings.HasPrefix(d.name, "ssl_client_hello") {
		slot = &s.lvl.ssl.helloByLua
		if d.kind == tokBlockStart {
			// ngx_lua 0.10.23 names this block's chunk without its place:
			// "ssl_client_hello_by_lua:6: ..." (observed on the oracle)
			code.ChunkName = "ssl_client_hello_by_lua"
		}
	}
	if *slot != nil {
		if d.kind == tokBlockStart {
			return errf(d.pos, "is duplicate")
		}
		return errf(d.pos, "\"%s\" directive is duplicate", d.name)
	}
	*slot = code
	return nil
}

// mergeSSL merges a server's ssl_* directives over the http level's, as
// ngx_http_ssl_merge_srv_conf does (the certificates are inherited as a
// whole when the server gives none).
func mergeSSL(h, s *sslLevel) sslLevel {
	out := *h
	if len(s.certs) > 0 || len(s.keys) > 0 {
		out.certs, out.certPos, out.keys = s.certs, s.certPos, s.keys
	}
	if s.protocols != nil {
		out.protocols = s.protocols
	}
	if s.ciphers != nil {
		out.ciphers = s.ciphers
	}
	if s.prefer != nil {
		out.prefer = s.prefer
	}
	if s.curve != nil {
		out.curve = s.curve
	}
	if s.cache != nil {
		out.cache, out.cacheZone = s.cache, s.cacheZone
	}
	if s.timeout != nil {
		out.timeout = s.timeout
	}
	if s.tickets != nil {
		out.tickets = s.tickets
	}
	if s.hasTicketKeys {
		out.ticketKeys, out.hasTicketKeys = s.ticketKeys, true
	}
	if s.certByLua != nil {
		out.certByLua = s.certByLua
	}
	if s.helloByLua != nil {
		out.helloByLua = s.helloByLua
	}
	if s.on != nil {
		out.on, out.onPos = s.on, s.onPos
	}
	return out
}

// resolveSSL fills srv.SSL from the merged level and, for a server with an
// ssl listen address, loads its certificates with nginx's errors.
func (b *builder) resolveSSL(srv *Server, l sslLevel) error {
	ssl := &SSL{
		Protocols:        []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, // nginx 1.22: TLSv1.3 joined the default in 1.23.4
		Ciphers:          defaultSSLCiphers,
		ECDHCurve:        "auto",
		SessionCache:     "none",
		SessionTimeout:   defaultSessionTimeout,
		SessionTickets:   true,
		TicketKeys:       l.ticketKeys,
		CertByLua:        l.certByLua,
		ClientHelloByLua: l.helloByLua,
	}
	if l.protocols != nil {
		ssl.Protocols = l.protocols
	}
	if l.ciphers != nil {
		ssl.Ciphers = *l.ciphers
	}
	if l.prefer != nil {
		ssl.PreferServerCiphers = *l.prefer
	}
	if l.curve != nil {
		ssl.ECDHCurve = *l.curve
	}
	if l.cache != nil {
		ssl.SessionCache, ssl.CacheZone = *l.cache, l.cacheZone
	}
	if l.timeout != nil {
		ssl.SessionTimeout = *l.timeout
	}
	if l.tickets != nil {
		ssl.SessionTickets = *l.tickets
	}
	if l.on != nil && *l.on {
		if len(l.certs) == 0 {
			return errf(l.onPos, "no \"ssl_certificate\" is defined for the \"ssl\" directive")
		}
		for i := range srv.Listens {
			srv.Listens[i].SSL = true
		}
	}
	hasSSL := false
	for _, ln := range srv.Listens {
		hasSSL = hasSSL || ln.SSL
	}
	if hasSSL || len(l.certs) > 0 || ssl.CertByLua != nil || ssl.ClientHelloByLua != nil {
		srv.SSL = ssl // plain servers keep nil: nothing of TLS applies to them
	}
	if len(l.certs) == 0 && (ssl.CertByLua != nil || ssl.ClientHelloByLua != nil) {
		// ngx_lua's handlers need the server's SSL context, which only
		// certificates make (ngx_http_lua_ssl_cert_by_lua's merge check)
		return &Error{Msg: "no ssl configured for the server"}
	}
	if !hasSSL {
		return nil
	}
	if len(l.certs) == 0 {
		for _, ln := range srv.Listens {
			if ln.SSL {
				return errf(ln.Pos, "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive")
			}
		}
	}
	for i, c := range l.certs {
		if i >= len(l.keys) {
			return &Error{Msg: fmt.Sprintf("no \"ssl_certificate_key\" is defined for certificate \"%s\"", c)}
		}
		if strings.Contains(c, "$") || strings.Contains(l.keys[i], "$") {
			// nginx compiles both as complex values and reads them per
			// handshake (ngx_http_ssl_compile_certificates)
			ct, err := ParseTemplate(c)
			if err != nil {
				return errf(l.certPos[i], "%s", complexValueError(err))
			}
			kt, err := ParseTemplate(l.keys[i])
			if err != nil {
				return errf(l.certPos[i], "%s", complexValueError(err))
			}
			ssl.Certificates = append(ssl.Certificates, CertPair{CertFile: c, KeyFile: l.keys[i], CertTpl: &ct, KeyTpl: &kt,
				Pos: l.certPos[i], confDir: b.confDir, root: b.confineTo})
			continue
		}
		pair, err := b.loadCertPair(c, l.keys[i])
		if err != nil {
			return err
		}
		pair.Pos = l.certPos[i]
		ssl.Certificates = append(ssl.Certificates, pair)
	}
	if err := b.checkCiphers(ssl.Ciphers, srv.Pos); err != nil {
		return err
	}
	return nil
}

// loadCertPair reads a certificate chain and its key as nginx does at
// start-up, with its "cannot load certificate" errors.
func (b *builder) loadCertPair(certArg, keyArg string) (CertPair, error) {
	return loadPEMPair(b.confFile(certArg), b.confFile(keyArg), b.readFile)
}

// loadPEMPair reads and checks a certificate chain file and its key file.
func loadPEMPair(cp, kp string, readFile func(string) ([]byte, error)) (CertPair, error) {
	certPEM, err := readFile(cp)
	if err != nil {
		return CertPair{}, &Error{Msg: fmt.Sprintf("cannot load certificate \"%s\": BIO_new_file() failed (%s)", cp, fopenError(cp, err))}
	}
	if blk, _ := pem.Decode(certPEM); blk == nil || blk.Type != "CERTIFICATE" {
		return CertPair{}, &Error{Msg: fmt.Sprintf("cannot load certificate \"%s\": PEM_read_bio_X509_AUX() failed (SSL: error:0480006C:PEM routines::no start line:Expecting: TRUSTED CERTIFICATE)", cp)}
	}
	keyPEM, err := readFile(kp)
	if err != nil {
		return CertPair{}, &Error{Msg: fmt.Sprintf("cannot load certificate key \"%s\": BIO_new_file() failed (%s)", kp, fopenError(kp, err))}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			// OpenSSL 3's words (nginx accepts a key of another type than
			// the certificate's, which OpenSSL files in another slot; the
			// lab refuses it too)
			return CertPair{}, &Error{Msg: fmt.Sprintf("SSL_CTX_use_PrivateKey(\"%s\") failed (SSL: error:05800074:x509 certificate routines::key values mismatch)", kp)}
		}
		return CertPair{}, &Error{Msg: fmt.Sprintf("cannot load certificate key \"%s\": PEM_read_bio_PrivateKey() failed (SSL: error:1E08010C:DECODER routines::unsupported:No supported data to decode. Input type: PEM)", kp)}
	}
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		cert.Leaf = leaf
	}
	return CertPair{CertFile: cp, KeyFile: kp, Cert: cert}, nil
}

// fopenError is OpenSSL 3's error queue for a file BIO_new_file could not
// open, as nginx prints it: the system error (0x80000000 | errno) and the
// BIO one ("no such file" for ENOENT, "system lib" otherwise).
func fopenError(path string, err error) string {
	errno, reason := strerror(err)
	bio := "10080002:BIO routines::system lib"
	if errno == int(syscall.ENOENT) {
		bio = "10000080:BIO routines::no such file"
	}
	return fmt.Sprintf("SSL: error:%08X:system library::%s:calling fopen(%s, r) error:%s", 0x80000000|uint32(errno), reason, path, bio)
}

// checkCiphers refuses a cipher list in which OpenSSL finds no cipher, in
// the words of nginx's SSL_CTX_set_cipher_list failure, and warns about
// ciphers that Go's TLS lacks (the lab uses the others, or Go's defaults
// when none is left).
func (b *builder) checkCiphers(list string, pos Pos) error {
	ids, unknown := cipherSuites(list)
	real := false
	for _, u := range unknown {
		if opensslNameRE.MatchString(u) {
			real = true
			b.diags = append(b.diags, Diagnostic{Warn: true, Pos: pos, Message: fmt.Sprintf(
				"the lab's TLS (Go's crypto/tls) has no cipher \"%s\"; it is left out of ssl_ciphers", u)})
		}
	}
	if len(ids) == 0 && !real {
		return &Error{Msg: fmt.Sprintf("SSL_CTX_set_cipher_list(\"%s\") failed (SSL: error:0A0000B9:SSL routines::no cipher match)", list)}
	}
	return nil
}

// opensslNameRE matches what looks like an OpenSSL cipher name
// (DHE-RSA-AES128-GCM-SHA256, CAMELLIA128-SHA).
var opensslNameRE = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)+$|^[A-Z]+[0-9]+-[A-Z0-9]+$`)
