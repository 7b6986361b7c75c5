package conf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate and its key as dir/name.crt
// and dir/name.key.
func writePair(t *testing.T, dir, name string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(k)
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDynamicCertConfined: a sandboxed configuration's certificate path with
// variables reads files of its workspace only, whatever the SNI name a
// client sends (a name climbing out of the workspace gets nginx's
// "Permission denied" load error); a trusted configuration reads any path.
func TestDynamicCertConfined(t *testing.T) {
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{ws, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writePair(t, ws, "a.test")
	writePair(t, outside, "secret")
	conf := "events {}\nhttp { server { listen 127.0.0.1:1 ssl; ssl_certificate $ssl_server_name.crt; ssl_certificate_key $ssl_server_name.key; } }\n"
	path := filepath.Join(ws, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup := func(sni string) func(string) (string, bool) {
		return func(name string) (string, bool) { return sni, name == "ssl_server_name" }
	}
	for _, tc := range []struct {
		confined bool
		sni      string
		wantErr  string
	}{
		{true, "a.test", ""},
		{true, "../outside/secret", "error:8000000D:system library::Permission denied:calling fopen("},
		{true, "nope", "No such file or directory"},
		{false, "../outside/secret", ""},
	} {
		var cfg *Config
		var err error
		if tc.confined {
			cfg, _, err = LoadConfined(path, ws, ws)
		} else {
			cfg, _, err = Load(path, ws)
		}
		if err != nil {
			t.Fatal(err)
		}
		pair := cfg.HTTP.Servers[0].SSL.Certificates[0]
		if !pair.Dynamic() {
			t.Fatal("a certificate path with variables is not dynamic")
		}
		cert, err := pair.Load(lookup(tc.sni))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("confined=%v sni %q: %v", tc.confined, tc.sni, err)
		case tc.wantErr == "" && len(cert.Certificate) == 0:
			t.Errorf("confined=%v sni %q: no certificate", tc.confined, tc.sni)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "cannot load certificate")):
			t.Errorf("confined=%v sni %q: %v, want nginx's load error with %q", tc.confined, tc.sni, err, tc.wantErr)
		}
	}
}
