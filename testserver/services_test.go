package testserver

import (
	"context"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// start runs the services with cfg on free ports and closes them after the test.
func start(t *testing.T, cfg Config) *Services {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// dial connects to addr with a deadline for the whole test step.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestAddrsAndHostMap(t *testing.T) {
	s := start(t, Config{})
	addrs := s.Addrs()
	hosts := s.HostMap()
	cases := []struct{ service, host string }{
		{ServiceHTTP, "httpbin.lab"},
		{ServiceEcho, "echo.lab"},
		{ServiceSlow, "slow.lab"},
		{ServiceCloser, "closer.lab"},
		{ServiceRedis, "redis.lab"},
	}
	if len(addrs) != len(cases) || len(hosts) != len(cases) {
		t.Fatalf("Addrs() = %v, HostMap() = %v: want %d entries each", addrs, hosts, len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		a := addrs[c.service]
		host, port, err := net.SplitHostPort(a)
		if err != nil || host != "127.0.0.1" || port == "0" {
			t.Errorf("Addrs()[%q] = %q: want 127.0.0.1:port", c.service, a)
		}
		if hosts[c.host] != a {
			t.Errorf("HostMap()[%q] = %q, want %q", c.host, hosts[c.host], a)
		}
		if seen[a] {
			t.Errorf("address %s used twice", a)
		}
		seen[a] = true
	}
	rows := s.Describe()
	if len(rows) != len(cases) || rows[0].Host != "httpbin.lab" || rows[0].Addr != addrs[ServiceHTTP] || rows[4].Name != ServiceRedis {
		t.Errorf("Describe() = %v", rows)
	}
	// The maps are copies.
	addrs[ServiceHTTP] = "x"
	hosts["httpbin.lab"] = "x"
	if s.Addrs()[ServiceHTTP] == "x" || s.HostMap()["httpbin.lab"] == "x" {
		t.Error("Addrs or HostMap returned the internal map")
	}
}

// freePort returns a port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestFixedPorts(t *testing.T) {
	cfg := Config{HTTPPort: freePort(t), EchoPort: freePort(t), SlowPort: freePort(t), CloserPort: freePort(t), RedisPort: freePort(t)}
	s := start(t, cfg)
	want := map[string]int{ServiceHTTP: cfg.HTTPPort, ServiceEcho: cfg.EchoPort, ServiceSlow: cfg.SlowPort, ServiceCloser: cfg.CloserPort, ServiceRedis: cfg.RedisPort}
	for name, port := range want {
		if got := s.Addrs()[name]; got != "127.0.0.1:"+strconv.Itoa(port) {
			t.Errorf("%s listens on %s, want port %d", name, got, port)
		}
	}
}

func TestStartFailsCleanly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"http port taken", Config{HTTPPort: busyPort}, "testserver: http: "},
		{"slow port taken", Config{SlowPort: busyPort}, "testserver: slow: "},
		{"redis port taken", Config{RedisPort: busyPort}, "testserver: redis: "},
		{"port out of range", Config{CloserPort: 70000}, "closer: port 70000 out of range"},
		{"address not on this host", Config{Addr: "192.0.2.1"}, "testserver: http: "},
	}
	base := runtime.NumGoroutine()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Start(context.Background(), c.cfg)
			if err == nil {
				s.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
	waitGoroutines(t, base)
}

func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := Start(ctx, Config{}); err == nil {
		s.Close()
		t.Fatal("Start with a canceled context succeeded")
	}
}

// waitGoroutines waits until at most base goroutines run.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, started with %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCloseLeavesNothing starts the services, leaves a request and a
// connection of every kind in flight, closes, and checks that no goroutine
// and no listener is left.
func TestCloseLeavesNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	s, err := Start(context.Background(), Config{SlowDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	addrs := s.Addrs()

	// In flight: an HTTP request waiting in /delay, a slow.lab line waiting
	// for its delay, idle echo and closer connections, a Redis connection.
	httpConn := dial(t, addrs[ServiceHTTP])
	httpConn.Write([]byte("GET /delay/10000 HTTP/1.1\r\nHost: x\r\n\r\n"))
	slow := dial(t, addrs[ServiceSlow])
	slow.Write([]byte("waits a minute\n"))
	dial(t, addrs[ServiceEcho])
	dial(t, addrs[ServiceCloser])
	redis := newResp(t, addrs[ServiceRedis])
	rc := redis.c
	if got := redis.do(t, "PING"); got != "PONG" {
		t.Fatalf("PING = %v", got)
	}
	time.Sleep(50 * time.Millisecond) // let the servers pick everything up

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, c := range []net.Conn{httpConn, slow, rc} {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Errorf("%s: connection still open after Close", c.RemoteAddr())
				}
				break
			}
		}
		c.Close()
	}
	for name, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s (%s) still accepts connections after Close", name, a)
		}
	}
	waitGoroutines(t, base)
}
