package difftest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TLS in cases: a -- certs -- section makes certificates, a request
// section titled "request tls ..." or "raw tls ..." speaks TLS.

// CertSpec is one -- certs -- line: "conf/a a.test [ecdsa]" writes a
// self-signed certificate for the name a.test to conf/a.crt and its key to
// conf/a.key (RSA 2048 unless ecdsa: P-256).
type CertSpec struct {
	Path, Name string
	ECDSA      bool
}

// TLSOptions are a request's TLS settings: "sni=NAME" (default: no SNI),
// "min=1.2|1.3", "max=1.2|1.3".
type TLSOptions struct {
	SNI      string
	Min, Max uint16
}

// parseCerts parses a -- certs -- section.
func parseCerts(text string) ([]CertSpec, error) {
	var out []CertSpec
	for _, ln := range nonEmptyLines(text) {
		f := strings.Fields(ln)
		if len(f) < 2 || len(f) > 3 || (len(f) == 3 && f[2] != "ecdsa") {
			return nil, fmt.Errorf("certs line %q: want PATH NAME [ecdsa]", ln)
		}
		if strings.Contains(f[0], "..") || strings.HasPrefix(f[0], "/") {
			return nil, fmt.Errorf("certs line %q: the path must be inside the prefix", ln)
		}
		out = append(out, CertSpec{Path: f[0], Name: f[1], ECDSA: len(f) == 3})
	}
	return out, nil
}

// parseTLSTitle reads the options after "request tls" / "raw tls".
func parseTLSTitle(fields []string) (*TLSOptions, error) {
	o := &TLSOptions{}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "sni":
			o.SNI = v
		case "min", "max":
			var ver uint16
			switch v {
			case "1.2":
				ver = tls.VersionTLS12
			case "1.3":
				ver = tls.VersionTLS13
			default:
				return nil, fmt.Errorf("tls option %q: want 1.2 or 1.3", f)
			}
			if k == "min" {
				o.Min = ver
			} else {
				o.Max = ver
			}
		default:
			return nil, fmt.Errorf("unknown tls option %q", f)
		}
	}
	return o, nil
}

// certCache keeps the generated certificates of a test run: both sides of
// a case serve the same ones.
var certCache sync.Map // CertSpec -> [2][]byte{cert PEM, key PEM}

// makeCert returns a self-signed certificate and key in PEM for spec.
func makeCert(spec CertSpec) (certPEM, keyPEM []byte, err error) {
	if v, ok := certCache.Load(spec); ok {
		p := v.([2][]byte)
		return p[0], p[1], nil
	}
	var pub, priv any
	var keyDER []byte
	var keyType string
	if spec.ECDSA {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		pub, priv = &k.PublicKey, k
		keyDER, err = x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, nil, err
		}
		keyType = "EC PRIVATE KEY"
	} else {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, err
		}
		pub, priv = &k.PublicKey, k
		keyDER = x509.MarshalPKCS1PrivateKey(k)
		keyType = "RSA PRIVATE KEY"
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: spec.Name},
		DNSNames:     []string{spec.Name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: keyType, Bytes: keyDER})
	certCache.Store(spec, [2][]byte{certPEM, keyPEM})
	return certPEM, keyPEM, nil
}

// dialTLS connects and shakes hands as the request's options say; the
// session cache lets a case's later connections resume. It returns the
// connection, or a description of the failed handshake.
func dialTLS(addr string, o *TLSOptions, sessions tls.ClientSessionCache) (net.Conn, string, error) {
	raw, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, "", fmt.Errorf("dial %s: %w", addr, err)
	}
	cfg := &tls.Config{
		InsecureSkipVerify: true, // self-signed test certificates; the CN is recorded instead
		ServerName:         o.SNI,
		MinVersion:         o.Min,
		MaxVersion:         o.Max,
		ClientSessionCache: sessions,
	}
	if o.SNI == "" {
		// Go sends no SNI for an IP address or an empty name
		cfg.ServerName = ""
	}
	tc := tls.Client(raw, cfg)
	_ = tc.SetDeadline(time.Now().Add(requestTimeout))
	if err := tc.Handshake(); err != nil {
		raw.Close()
		return nil, "handshake failed", nil
	}
	st := tc.ConnectionState()
	desc := versionText(st.Version)
	if len(st.PeerCertificates) > 0 {
		desc += " cn=" + st.PeerCertificates[0].Subject.CommonName
	}
	if st.DidResume {
		desc += " resumed"
	}
	return tc, desc, nil
}

func versionText(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}
