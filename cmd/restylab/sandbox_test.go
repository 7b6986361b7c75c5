package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
)

// TestSandboxCmd runs the child mode in-process, without OS limits (they
// would apply to the test process; sandbox's tests run real children).
func TestSandboxCmd(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- sandboxCmd([]string{"--memory-limit=0", "--address-space=0", "--open-files=0", "--health-interval=0", "--tmpdir=" + t.TempDir()}, inR, outW, &stderr)
		outW.Close()
	}()
	w, r := proto.NewWriter(inW), proto.NewReader(outR)
	conf := `events {}
http { server { listen 80; location / { content_by_lua_block { local ok = pcall(io.open, "/etc/passwd"); ngx.say(ok and "io.open worked" or "sandboxed") } } } }`
	if err := w.Write(&proto.Load{Conf: conf, Port: port}); err != nil {
		t.Fatal(err)
	}
	msg, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	ready, ok := msg.(*proto.Ready)
	if !ok || ready.Port != port {
		t.Fatalf("answer to Load = %#v, want Ready on port %d", msg, port)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "sandboxed\n" {
		t.Fatalf("GET = %d %q", resp.StatusCode, body)
	}
	if err := w.Write(&proto.Stop{}); err != nil {
		t.Fatal(err)
	}
	var exit *proto.Exit
	for exit == nil {
		msg, err := r.Read()
		if err != nil {
			t.Fatalf("reading until Exit: %v", err)
		}
		exit, _ = msg.(*proto.Exit)
	}
	if exit.Reason != "stopped" {
		t.Errorf("Exit = %q", exit.Reason)
	}
	go io.Copy(io.Discard, outR)
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit code %d, stderr:\n%s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not return after Stop")
	}
	inW.Close()
}

func TestSandboxCmdBadFlag(t *testing.T) {
	var stderr bytes.Buffer
	if c := sandboxCmd([]string{"--no-such-flag"}, strings.NewReader(""), io.Discard, &stderr); c != 2 {
		t.Fatalf("exit code %d, want 2", c)
	}
}
