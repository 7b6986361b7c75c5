package labca

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
)

// TestCA: every name's certificate and key make a usable pair, verify
// against the CA for their own name only, and are the same in Files and
// RedisKeys.
func TestCA(t *testing.T) {
	ca, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Shared(); again != ca {
		t.Fatal("Shared made a second CA")
	}
	files := ca.Files()
	redis := map[string]string{}
	for _, k := range ca.RedisKeys() {
		redis[k.Key] = k.Value
	}
	if redis["cert:ca"] != ca.CertPEM() || files[Dir+"/ca.crt"] != ca.CertPEM() || !ca.Cert().IsCA {
		t.Fatal("the CA certificate is missing from Files or RedisKeys")
	}
	if len(ca.Pairs()) != len(Names) {
		t.Fatalf("%d pairs for %d names", len(ca.Pairs()), len(Names))
	}
	for _, n := range Names {
		t.Run(n.Host, func(t *testing.T) {
			p, ok := ca.Pair(n.Host)
			if !ok {
				t.Fatal("no pair")
			}
			if _, err := tls.X509KeyPair([]byte(p.CertPEM), []byte(p.KeyPEM)); err != nil {
				t.Fatalf("key pair: %v", err)
			}
			if got := strings.ToLower(p.Leaf.PublicKeyAlgorithm.String()); got != n.Key {
				t.Errorf("key %s, want %s", got, n.Key)
			}
			if files[Dir+"/"+n.Host+".crt"] != p.CertPEM || files[Dir+"/"+n.Host+".key"] != p.KeyPEM {
				t.Error("Files differ from the pair")
			}
			if redis["cert:"+n.Host] != p.CertPEM || redis["key:"+n.Host] != p.KeyPEM {
				t.Error("RedisKeys differ from the pair")
			}
			if err := ca.Verify([]*x509.Certificate{p.Leaf}, n.Host); err != nil {
				t.Errorf("verify for %s: %v", n.Host, err)
			}
			if err := ca.Verify([]*x509.Certificate{p.Leaf}, "other.test"); err == nil {
				t.Error("verifies for another name")
			}
		})
	}
	other, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := other.Pair("a.test")
	if err := ca.Verify([]*x509.Certificate{p.Leaf}, "a.test"); err == nil {
		t.Error("a certificate of another CA verifies")
	}
}
