package engine

import (
	"github.com/restylab/restylab/lab/conf"
)

// defSSLVars defines ngx_http_ssl_module's variables: on a TLS connection
// they describe its handshake; on a plain one they are not found (nil in
// Lua, empty in logs), as nginx's.
func defSSLVars(def func(get func(r *request) (string, bool), names ...string)) {
	ssl := func(f func(lt *tlsLayer) string) func(r *request) (string, bool) {
		return func(r *request) (string, bool) {
			if r.c == nil || r.c.tls == nil || !r.c.tls.established {
				return "", false
			}
			return f(r.c.tls), true
		}
	}
	def(func(r *request) (string, bool) {
		if r.c == nil || r.c.tls == nil || r.c.tls.sni == "" {
			return "", false // no SNI: not found
		}
		return r.c.tls.sni, true
	}, "ssl_server_name")
	def(ssl(func(lt *tlsLayer) string { return versionName(lt.state.Version) }), "ssl_protocol")
	def(ssl(func(lt *tlsLayer) string { return conf.CipherName(lt.state.CipherSuite) }), "ssl_cipher")
	def(ssl(func(lt *tlsLayer) string { return lt.sessionIDHex() }), "ssl_session_id")
	def(ssl(func(lt *tlsLayer) string {
		if lt.state.DidResume {
			return "r"
		}
		return "."
	}), "ssl_session_reused")
	def(ssl(func(lt *tlsLayer) string { return lt.state.NegotiatedProtocol }), "ssl_alpn_protocol")
	def(ssl(func(*tlsLayer) string { return "" }), "ssl_early_data") // no 0-RTT: crypto/tls has none on servers
}
