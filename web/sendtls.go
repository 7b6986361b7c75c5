package web

import (
	"crypto/tls"
	"crypto/x509"
	"maps"
	"strconv"
	"strings"
	"sync"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/testserver/labca"
)

// HTTPS to an instance. A workspace whose address is "listen ... ssl" (the
// sandbox reports it in Ready, Instance.SSL) is reached over TLS by Send,
// bursts and the /s/{session}/ proxy. The client does not verify the
// certificate during the handshake: the panel's job is to show what the
// learner's server picked, whatever it is (a certificate of the lab's CA, a
// learner's own self-signed one, one of another name than the SNI, as
// `curl -k` would), so the handshake completes, and then the lab checks
// the chain against its own CA (labca) for the SNI name and shows whether
// it verified and why not.

// tlsInfo is what the panel shows of an HTTPS request's handshake.
type tlsInfo struct {
	SNI     string `json:"sni"`
	Version string `json:"version"`
	Cipher  string `json:"cipher"` // OpenSSL's name, as $ssl_cipher and the trace's tls_done
	Resumed bool   `json:"resumed"`
	ALPN    string `json:"alpn,omitempty"`
	// Cert is the certificate the server picked (the chain's leaf).
	Cert *certInfo `json:"cert,omitempty"`
	// Verified: the chain verifies against the lab's CA for the SNI name;
	// VerifyError says why not.
	Verified    bool   `json:"verified"`
	VerifyError string `json:"verify_error,omitempty"`
}

// certInfo describes one certificate.
type certInfo struct {
	Subject  string   `json:"subject"` // the subject's common name
	Issuer   string   `json:"issuer"`  // the issuer's common name
	DNSNames []string `json:"dns_names,omitempty"`
	NotAfter string   `json:"not_after"`
	Key      string   `json:"key"` // "ECDSA", "RSA", "Ed25519"
	Serial   string   `json:"serial"`
}

// clientTLS is the TLS configuration of a request to an instance: SNI
// name sni (none when empty), no verification during the handshake (see
// above), sessions kept in cache when it is not nil.
func clientTLS(sni string, cache tls.ClientSessionCache) *tls.Config {
	return &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verified afterwards against the lab's CA (tlsInfoOf)
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"http/1.1"},
		ClientSessionCache: cache,
	}
}

// tlsInfoOf describes a finished handshake for the panel.
func tlsInfoOf(cs tls.ConnectionState, sni string, ca *labca.CA) *tlsInfo {
	info := &tlsInfo{SNI: sni, Version: tlsVersionName(cs.Version), Cipher: conf.CipherName(cs.CipherSuite),
		Resumed: cs.DidResume, ALPN: cs.NegotiatedProtocol}
	if len(cs.PeerCertificates) > 0 {
		info.Cert = certInfoOf(cs.PeerCertificates[0])
	}
	if ca != nil {
		if err := ca.Verify(cs.PeerCertificates, sni); err != nil {
			info.VerifyError = err.Error()
		} else {
			info.Verified = true
		}
	}
	return info
}

func certInfoOf(c *x509.Certificate) *certInfo {
	key := c.PublicKeyAlgorithm.String()
	return &certInfo{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, DNSNames: c.DNSNames,
		NotAfter: c.NotAfter.UTC().Format("2006-01-02 15:04 MST"), Key: key, Serial: strings.ToUpper(c.SerialNumber.Text(16))}
}

// tlsVersionName is OpenSSL's name of a version ($ssl_protocol).
func tlsVersionName(v uint16) string {
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
	return tls.VersionName(v)
}

// checkSNI validates the SNI name the learner typed: a host name, as a
// ClientHello carries it (no IP address, no port, no trailing dot).
func checkSNI(name string) error {
	if name == "" {
		return nil
	}
	if len(name) > 253 || strings.HasSuffix(name, ".") || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
		return errSNI(name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '*') {
			return errSNI(name)
		}
	}
	return nil
}

type errSNI string

func (e errSNI) Error() string {
	return "bad SNI name " + strconv.Quote(string(e)) + ": want a host name such as a.test"
}

// burstTLS counts a burst's handshakes as VerifyConnection sees them (it
// runs for every handshake, resumed ones too).
type burstTLS struct {
	mu         sync.Mutex
	done       bool           // the burst ended: a handshake of a dial still in flight is not its own
	Handshakes int            `json:"handshakes"`
	Resumed    int            `json:"resumed"`
	Versions   map[string]int `json:"versions"`
	Ciphers    map[string]int `json:"ciphers"`
	// Certs counts the certificates the server picked, by subject CN.
	Certs map[string]int `json:"certs"`
}

func newBurstTLS() *burstTLS {
	return &burstTLS{Versions: map[string]int{}, Ciphers: map[string]int{}, Certs: map[string]int{}}
}

// finish ends the counting and returns a copy of the counts: net/http's
// Transport may still be dialing a connection it started for the burst,
// whose handshake would otherwise change the counts while the answer is
// encoded.
func (b *burstTLS) finish() *burstTLS {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	return &burstTLS{Handshakes: b.Handshakes, Resumed: b.Resumed,
		Versions: maps.Clone(b.Versions), Ciphers: maps.Clone(b.Ciphers), Certs: maps.Clone(b.Certs)}
}

func (b *burstTLS) verify(cs tls.ConnectionState) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return nil
	}
	b.Handshakes++
	if cs.DidResume {
		b.Resumed++
	}
	b.Versions[tlsVersionName(cs.Version)]++
	b.Ciphers[conf.CipherName(cs.CipherSuite)]++
	if len(cs.PeerCertificates) > 0 {
		b.Certs[cs.PeerCertificates[0].Subject.CommonName]++
	}
	return nil
}
