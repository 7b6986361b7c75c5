package engine

import (
	"strconv"

	"github.com/restylab/restylab/lab/conf"
)

// ssl_certificate and ssl_certificate_key with variables
// (`ssl_certificate certs/$ssl_server_name.crt;`): nginx reads the files
// named for each handshake, in its certificate callback, and fails the
// handshake ("cert cb error") after an error_log line when one cannot be
// loaded. The variables a handshake has are the connection's: there is no
// request yet.

// loadDynamicCerts reads srv's dynamic certificate pairs for this
// handshake; false when one fails (logged as nginx does). Loop.
func (lt *tlsLayer) loadDynamicCerts(srv *conf.Server) bool {
	lt.dynCerts = nil
	for _, cp := range srv.SSL.Certificates {
		if !cp.Dynamic() {
			continue
		}
		cert, err := cp.Load(lt.handshakeVar)
		if err != nil {
			c := lt.c
			c.w.log(LevelErr, c.num, err.Error()+" while SSL handshaking, client: "+c.remoteAddr+", server: "+c.l.addr)
			return false
		}
		lt.dynCerts = append(lt.dynCerts, cert)
	}
	return true
}

// handshakeVar is a variable's value during the handshake: the
// connection's variables; the others are empty, as nginx has no request
// to compute them from.
func (lt *tlsLayer) handshakeVar(name string) (string, bool) {
	c := lt.c
	switch name {
	case "ssl_server_name":
		return lt.sni, lt.sni != ""
	case "server_port":
		return c.l.port, true
	case "server_addr":
		return c.serverAddr, true
	case "remote_addr":
		return c.remoteAddr, true
	case "remote_port":
		return c.remotePort, true
	case "scheme":
		return "https", true
	case "https":
		return "on", true
	case "connection":
		return strconv.FormatInt(c.num, 10), true
	case "server_name":
		if lt.srv != nil && len(lt.srv.ServerNames) > 0 {
			return lt.srv.ServerNames[0], true
		}
	}
	return "", false
}
