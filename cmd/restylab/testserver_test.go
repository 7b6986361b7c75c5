package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer goroutine and a polling
// reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTestserverFlags(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", []string{"--help"}, 0, "usage: restylab testserver", ""},
		{"help lists flags", []string{"-h"}, 0, "-tcp-echo-port port", ""},
		{"unknown flag", []string{"--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"argument", []string{"extra"}, 2, "", `unexpected argument "extra"`},
		{"bad port", []string{"--http-port", "70000"}, 1, "", "http: port 70000 out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := testserverCmd(c.args, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), c.stdout)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
		})
	}
}

// hostRow matches a row of the printed table: service, lab host, address.
var hostRow = regexp.MustCompile(`(?m)^(\w+)\s+(\S+\.lab)\s+(127\.0\.0\.1:\d+)\s`)

// startTestserver runs the command in-process on free ports and returns the
// lab host map read from its table, and a function that stops it and returns
// its exit code and stderr.
func startTestserver(t *testing.T, stdin io.Reader, args ...string) (hosts map[string]string, done <-chan int, stdout, stderr *syncBuffer, cancel func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	exit := make(chan int, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		exit <- runTestserver(ctx, args, stdin, stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Error("testserver did not stop")
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stdout.String(), "ready") {
		if time.Now().After(deadline) {
			t.Fatalf("no ready line; stdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	hosts = map[string]string{}
	for _, m := range hostRow.FindAllStringSubmatch(stdout.String(), -1) {
		hosts[m[2]] = m[3]
	}
	return hosts, exit, stdout, stderr, cancel
}

func TestTestserverRunsUntilCanceled(t *testing.T) {
	hosts, exit, _, stderr, cancel := startTestserver(t, strings.NewReader(""))
	for _, h := range []string{"httpbin.lab", "echo.lab", "slow.lab", "closer.lab", "redis.lab"} {
		if hosts[h] == "" {
			t.Fatalf("table has no address for %s: %v", h, hosts)
		}
	}
	// Standard input at EOF does not stop it without --stop-on-eof.
	resp, err := http.Get("http://" + hosts["httpbin.lab"] + "/status/201")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("httpbin.lab /status/201: %d", resp.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
	c, err := net.Dial("tcp", hosts["echo.lab"])
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("hi\n"))
	if line, err := bufio.NewReader(c).ReadString('\n'); line != "hi\n" {
		t.Errorf("echo.lab: %q, %v", line, err)
	}
	c.Close()

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("testserver did not stop after cancel")
	}
	logs := stderr.String()
	for _, want := range []string{`http: 127.0.0.1:`, `"/status/201" 201`, "echo: 127.0.0.1:", "stopping"} {
		if !strings.Contains(logs, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, logs)
		}
	}
	for h, a := range hosts {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s (%s) still listening after stop", h, a)
		}
	}
}

func TestTestserverStopsOnEOF(t *testing.T) {
	r, w := io.Pipe()
	_, exit, _, stderr, _ := startTestserver(t, r, "--stop-on-eof", "--quiet")
	select {
	case code := <-exit:
		t.Fatalf("exited (%d) with stdin open; stderr:\n%s", code, stderr)
	case <-time.After(100 * time.Millisecond):
	}
	w.Close()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("testserver did not stop when stdin closed")
	}
	if s := stderr.String(); s != "restylab testserver: stopping\n" {
		t.Errorf("stderr with --quiet: %q", s)
	}
}
