package engine

// phase is the request phase (or the non-request context) whose Lua runs;
// it decides which ngx APIs are allowed.
type phase uint8

const (
	phaseNone phase = iota
	phaseSet
	phaseServerRewrite // server_rewrite_by_lua (nginx's server-rewrite phase)
	phaseRewrite
	phaseAccess
	phaseContent
	phaseHeaderFilter
	phaseBodyFilter
	phaseLog
	phaseInit
	phaseInitWorker
	phaseTimer
	phaseBalancer
	phaseSSLCert        // ssl_certificate_by_lua, on the handshake's fake request (sslphase.go)
	phaseSSLClientHello // ssl_client_hello_by_lua, before it (sslhello.go)
)

var phaseNames = [...]string{"", "set", "server_rewrite", "rewrite", "access", "content", "header_filter", "body_filter", "log", "init", "init_worker", "timer", "balancer", "ssl_cert", "ssl_client_hello"}

// String is the phase name used in traces and by ngx.get_phase().
func (p phase) String() string { return phaseNames[p] }

// context is how ngx_lua names the phase in "API disabled in the context of ...".
func (p phase) context() string {
	switch p {
	case phaseTimer:
		return "ngx.timer"
	case phaseSSLCert:
		return "ssl_certificate_by_lua*"
	case phaseSSLClientHello:
		return "ssl_client_hello_by_lua*"
	case phaseNone:
		return "unknown"
	}
	return p.String() + "_by_lua*"
}

// phase sets of the APIs (ngx_lua's "Context:" lines).
const (
	inSet           = 1 << phaseSet
	inServerRewrite = 1 << phaseServerRewrite
	inRewrite       = 1 << phaseRewrite
	inAccess        = 1 << phaseAccess
	inContent       = 1 << phaseContent
	inHeaderFilter  = 1 << phaseHeaderFilter
	inBodyFilter    = 1 << phaseBodyFilter
	inLog           = 1 << phaseLog
	inInit          = 1 << phaseInit
	inInitWorker    = 1 << phaseInitWorker
	inTimer         = 1 << phaseTimer

	inBalancer  = 1 << phaseBalancer
	inSSLCert   = 1 << phaseSSLCert
	inSSLHello  = 1 << phaseSSLClientHello
	inSSL       = inSSLCert | inSSLHello
	inRequest   = inSet | inServerRewrite | inRewrite | inAccess | inContent | inHeaderFilter | inBodyFilter | inLog | inBalancer
	inYieldable = inServerRewrite | inRewrite | inAccess | inContent | inTimer | inSSL
	inAll       = inRequest | inInit | inInitWorker | inTimer | inSSL
)
