package sandbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/restylab/restylab/testserver/labca"
)

// TestLabFilesAndSSL: the lab's files (its certificates) are in every
// workspace the child loads, at every reload, unless the workspace has a
// file of that path; Ready says whether the address speaks TLS.
func TestLabFilesAndSSL(t *testing.T) {
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Config{LabFiles: ca.Files()})
	sslConf := strings.Replace(helloConf, "listen 8080;", "listen 8443 ssl;\n        ssl_certificate certs/a.test.crt;\n        ssl_certificate_key certs/a.test.key;", 1)
	in, err := m.Start(context.Background(), "s", Workspace{Conf: sslConf})
	if err != nil {
		t.Fatal(err)
	}
	subject := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port()), &tls.Config{InsecureSkipVerify: true, ServerName: "a.test"})
		if err != nil {
			t.Fatalf("TLS to the instance: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if !in.SSL() || subject() != "a.test" {
		t.Fatalf("ssl %v: want an ssl address serving the lab's a.test certificate", in.SSL())
	}
	b, _ := ca.Pair("b.test")
	own := map[string]string{"certs/a.test.crt": b.CertPEM, "certs/a.test.key": b.KeyPEM}
	if err := in.Reload(context.Background(), Workspace{Conf: sslConf, Files: own}); err != nil {
		t.Fatal(err)
	}
	if got := subject(); got != "b.test" {
		t.Fatalf("the workspace's own certs/a.test.crt: the server sends %s's certificate, want b.test's", got)
	}
	if err := in.Reload(context.Background(), Workspace{Conf: helloConf}); err != nil {
		t.Fatal(err)
	}
	if in.SSL() {
		t.Fatal("a plain listen still reads as ssl")
	}
	if code, body := get(t, in, "/x"); code != 200 || body != "hello from /x\n" {
		t.Fatalf("plain HTTP after the reload: %d %q", code, body)
	}
}
