// Package labca is the lab's own certificate authority: at start-up the lab
// makes a CA and one certificate per lesson host name (Names), in memory,
// with crypto/x509. Learner instances find them as workspace files
// (certs/NAME.crt, certs/NAME.key, certs/ca.crt: Files), redis.lab holds the
// same PEM under cert:NAME and key:NAME (RedisKeys), and the web lab's
// request panel checks the certificate an instance picked against the CA
// (Verify). Nothing is written to disk and nothing needs the network.
package labca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Names are the host names the lab issues certificates for, with the key
// type of each: lessons serve them by SNI.
var Names = []Name{
	{Host: "default.test", Key: "rsa"},
	{Host: "a.test", Key: "ecdsa"},
	{Host: "b.test", Key: "ecdsa"},
}

// Name is one lesson host name and its key type ("rsa": RSA 2048,
// "ecdsa": ECDSA P-256).
type Name struct {
	Host string
	Key  string
}

// Dir is the folder of the certificates in a workspace, relative to the
// directory of nginx.conf (nginx resolves ssl_certificate's relative paths
// there).
const Dir = "certs"

// Validity is how long the CA and its certificates are valid from the
// lab's start (an hour before it, for clocks that differ a little).
const Validity = 825 * 24 * time.Hour

// CAName is the CA's subject common name.
const CAName = "RestyLab local CA"

// Pair is one issued certificate and its key, PEM encoded.
type Pair struct {
	Host    string
	KeyType string
	CertPEM string // the leaf only: the CA is the trust anchor
	KeyPEM  string // PKCS#8
	Leaf    *x509.Certificate
}

// CA is a certificate authority and the certificates it issued for Names.
type CA struct {
	cert    *x509.Certificate
	certPEM string
	key     crypto.Signer
	pool    *x509.CertPool
	pairs   []Pair
}

// New makes a CA and a certificate for every name of Names.
func New() (*CA, error) {
	now := time.Now().Add(-time.Hour)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("labca: CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: CAName, Organization: []string{"RestyLab"}},
		NotBefore:             now,
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("labca: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("labca: CA certificate: %w", err)
	}
	ca := &CA{cert: cert, key: key, pool: x509.NewCertPool(), certPEM: pemOf("CERTIFICATE", der)}
	ca.pool.AddCert(cert)
	for _, n := range Names {
		p, err := ca.issue(n, now)
		if err != nil {
			return nil, err
		}
		ca.pairs = append(ca.pairs, p)
	}
	return ca, nil
}

var (
	sharedOnce sync.Once
	shared     *CA
	sharedErr  error
)

// Shared is the process's CA, made on first use: the lab's services and
// its web server use the same one.
func Shared() (*CA, error) {
	sharedOnce.Do(func() { shared, sharedErr = New() })
	return shared, sharedErr
}

func (ca *CA) issue(n Name, now time.Time) (Pair, error) {
	var key crypto.Signer
	var err error
	usage := x509.KeyUsageDigitalSignature
	switch n.Key {
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		usage |= x509.KeyUsageKeyEncipherment
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		err = fmt.Errorf("unknown key type %q", n.Key)
	}
	if err != nil {
		return Pair{}, fmt.Errorf("labca: key of %s: %w", n.Host, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: n.Host, Organization: []string{"RestyLab lessons"}},
		DNSNames:     []string{n.Host},
		NotBefore:    now,
		NotAfter:     now.Add(Validity),
		KeyUsage:     usage,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return Pair{}, fmt.Errorf("labca: certificate of %s: %w", n.Host, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return Pair{}, fmt.Errorf("labca: certificate of %s: %w", n.Host, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, fmt.Errorf("labca: key of %s: %w", n.Host, err)
	}
	return Pair{Host: n.Host, KeyType: n.Key, CertPEM: pemOf("CERTIFICATE", der), KeyPEM: pemOf("PRIVATE KEY", kder), Leaf: leaf}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)) // crypto/rand does not fail on Linux
	return n.Add(n, big.NewInt(1))
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// CertPEM is the CA's certificate, PEM encoded.
func (ca *CA) CertPEM() string { return ca.certPEM }

// Cert is the CA's certificate.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// Pairs are the issued certificates, in the order of Names.
func (ca *CA) Pairs() []Pair { return append([]Pair(nil), ca.pairs...) }

// Pair is the certificate of host, if the CA issued one.
func (ca *CA) Pair(host string) (Pair, bool) {
	for _, p := range ca.pairs {
		if p.Host == host {
			return p, true
		}
	}
	return Pair{}, false
}

// Files are the workspace files of the certificates: certs/NAME.crt,
// certs/NAME.key and certs/ca.crt, by slash-separated path relative to the
// directory of nginx.conf.
func (ca *CA) Files() map[string]string {
	out := map[string]string{Dir + "/ca.crt": ca.certPEM}
	for _, p := range ca.pairs {
		out[Dir+"/"+p.Host+".crt"] = p.CertPEM
		out[Dir+"/"+p.Host+".key"] = p.KeyPEM
	}
	return out
}

// RedisKey is one string key of the certificates in redis.lab.
type RedisKey struct{ Key, Value string }

// RedisKeys are the certificates as redis.lab holds them: cert:NAME (the
// certificate, PEM), key:NAME (its private key, PEM) for each name, and
// cert:ca (the CA's certificate).
func (ca *CA) RedisKeys() []RedisKey {
	out := []RedisKey{{"cert:ca", ca.certPEM}}
	for _, p := range ca.pairs {
		out = append(out, RedisKey{"cert:" + p.Host, p.CertPEM}, RedisKey{"key:" + p.Host, p.KeyPEM})
	}
	return out
}

// Verify checks a server's certificate chain (leaf first) against the CA
// for the name the client asked for (the SNI name; "" checks the chain
// only).
func (ca *CA) Verify(chain []*x509.Certificate, name string) error {
	if len(chain) == 0 {
		return fmt.Errorf("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: ca.pool, Intermediates: inter, DNSName: name,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}
