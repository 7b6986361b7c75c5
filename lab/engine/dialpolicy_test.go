package engine

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/restylab/restylab/lab/conf"
)

// sandboxConf is a configuration as the sandbox leaves it: every listen
// moved to real, declared kept.
func sandboxConf(real, declared string) *conf.Config {
	return &conf.Config{HTTP: &conf.HTTP{Servers: []*conf.Server{
		{Listens: []conf.Listen{{Addr: real, Declared: declared}}},
		{Listens: []conf.Listen{{Addr: real, Declared: declared}}},
	}}}
}

func TestSandboxDialPolicy(t *testing.T) {
	hosts := map[string]string{"redis.lab": "127.0.0.1:46379", "echo.lab": "127.0.0.1:40007"}
	const real = "127.0.0.1:40001"
	const rule = "an instance may connect only to its own port (listen 0.0.0.0:8080, served at 127.0.0.1:40001) and the lab's services (echo.lab, redis.lab)"
	tests := []struct {
		name     string
		declared string
		addr     string
		want     string // the address dialed; "" for a refusal
		wantErr  string // part of the refusal
	}{
		{"own real port", "0.0.0.0:8080", real, real, ""},
		{"own real port as IPv4-mapped IPv6", "0.0.0.0:8080", "[::ffff:127.0.0.1]:40001", real, ""},
		{"declared port on 127.0.0.1", "0.0.0.0:8080", "127.0.0.1:8080", real, ""},
		{"declared port on 127.0.0.2", "0.0.0.0:8080", "127.0.0.2:8080", real, ""},
		{"declared port on 0.0.0.0", "0.0.0.0:8080", "0.0.0.0:8080", real, ""},
		{"service by ip:port", "0.0.0.0:8080", "127.0.0.1:46379", "127.0.0.1:46379", ""},
		{"other loopback port", "0.0.0.0:8080", "127.0.0.1:8081", "", "connection to 127.0.0.1:8081 refused by the lab's sandbox: " + rule},
		{"another address's own port", "0.0.0.0:8080", "127.0.0.2:40001", "", rule},
		{"declared port on a non-loopback address", "0.0.0.0:8080", "10.1.2.3:8080", "", rule},
		{"declared port on ::1 for an IPv4 listen", "0.0.0.0:8080", "[::1]:8080", "", rule},
		{"0.0.0.0 on another port", "0.0.0.0:8080", "0.0.0.0:22", "", rule},
		{"non-loopback", "0.0.0.0:8080", "10.1.2.3:80", "", rule},
		{"unix socket", "0.0.0.0:8080", "unix:/var/run/docker.sock", "", "connection to unix:/var/run/docker.sock refused by the lab's sandbox: an instance may connect to no unix socket, only to its own port"},
		{"host name", "0.0.0.0:8080", "redis.lab:6379", "", rule},
		{"malformed", "0.0.0.0:8080", "127.0.0.1", "", rule},
		{"exact declared address", "127.0.0.1:9000", "127.0.0.1:9000", real, ""},
		{"exact declared address, other loopback", "127.0.0.1:9000", "127.0.0.2:9000", "", "listen 127.0.0.1:9000, served at 127.0.0.1:40001"},
		{"IPv6 wildcard declared: ::1", "[::]:8080", "[::1]:8080", real, ""},
		{"IPv6 wildcard declared: not 127.0.0.1", "[::]:8080", "127.0.0.1:8080", "", rule[:20]},
		{"not moved (no declared address)", "", "127.0.0.1:8080", "", "its own port (127.0.0.1:40001) and"},
		{"a declared address never hides a service", "127.0.0.1:46379", "127.0.0.1:46379", "127.0.0.1:46379", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := SandboxDialPolicy(sandboxConf(real, tt.declared), hosts)
			got, err := policy(tt.addr)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("policy(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("policy(%q) = %q, want a refusal", tt.addr, got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("policy(%q) error %q, want it to contain %q", tt.addr, err, tt.wantErr)
			}
		})
	}
}

func TestSandboxDialPolicyRule(t *testing.T) {
	tests := []struct {
		name  string
		hosts map[string]string
		want  string
	}{
		{"no services", nil, "an instance may connect only to its own port (127.0.0.1:40001): the lab runs no services for it"},
		{"many services", map[string]string{"a1": "127.0.0.1:1", "a2": "127.0.0.1:2", "a3": "127.0.0.1:3",
			"a4": "127.0.0.1:4", "a5": "127.0.0.1:5", "a6": "127.0.0.1:6", "a7": "127.0.0.1:7", "a8": "127.0.0.1:8", "a9": "127.0.0.1:9"},
			"and the lab's services (a1, a2, a3, a4, a5, a6, a7, a8, ...)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SandboxDialPolicy(sandboxConf("127.0.0.1:40001", ""), tt.hosts)("127.0.0.1:1234")
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("refusal %v, want it to end with %q", err, tt.want)
			}
		})
	}
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", true},
		{"127.9.9.9:6000", true},
		{"[::1]:80", true},
		{"unix:/tmp/x.sock", true},
		{"10.1.2.3:80", false},
		{"0.0.0.0:80", false},
		{"nohost", false},
	}
	for _, tt := range tests {
		got, err := LoopbackOnly(tt.addr)
		if tt.ok && (err != nil || got != tt.addr) {
			t.Errorf("LoopbackOnly(%q) = %q, %v; want it allowed as is", tt.addr, got, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("LoopbackOnly(%q) = %q, want a refusal", tt.addr, got)
		}
	}
}

// BenchmarkSandboxDialPolicyRefusal: what a port scan costs per port.
func BenchmarkSandboxDialPolicyRefusal(b *testing.B) {
	policy := SandboxDialPolicy(sandboxConf("127.0.0.1:40001", "0.0.0.0:8080"), map[string]string{"redis.lab": "127.0.0.1:46379"})
	for b.Loop() {
		if _, err := policy("127.0.0.1:6000"); err == nil {
			b.Fatal("allowed")
		}
	}
}

// guardedListener is a loopback listener that counts the connections it
// accepts.
func guardedListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var accepted atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return l.Addr().String(), &accepted
}

// TestDialPolicyWiring: every outgoing connection of the engine (cosocket,
// cosocket pool, proxy_pass, balancer peer, upstream keepalive) passes the
// policy before any system call, and dials the address it returns.
func TestDialPolicyWiring(t *testing.T) {
	guarded, accepted := guardedListener(t)
	echo := echoServer(t, 0)
	const alias = "127.0.0.1:1"     // the policy sends it to the echo server
	const selfAlias = "127.0.0.1:2" // and this one to the engine itself
	var self atomic.Pointer[string]
	policy := func(addr string) (string, error) {
		switch addr {
		case alias:
			return echo, nil
		case selfAlias:
			return *self.Load(), nil
		case guarded:
			return "", fmt.Errorf("connection to %s refused by the test's policy", addr)
		}
		return addr, nil
	}
	gHost, gPort, _ := net.SplitHostPort(guarded)
	eHost, ePort, _ := net.SplitHostPort(echo)
	_, base, prefix := startEngine(t, 1, `
    upstream dyn {
        server 0.0.0.1;
        balancer_by_lua_block {
            require("ngx.balancer").set_current_peer("`+gHost+`", `+gPort+`)
        }
    }
    upstream kept {
        server `+selfAlias+`;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        location /cosocket { content_by_lua_block {
            local s = ngx.socket.tcp()
            ngx.say(s:connect("`+gHost+`", `+gPort+`))
        } }
        location /alias { content_by_lua_block {
            local s = ngx.socket.tcp()
            assert(s:connect("127.0.0.1", 1))
            s:send("hi\n")
            ngx.say(s:receive())
        } }
        location /pool { content_by_lua_block {
            local s = ngx.socket.tcp()
            assert(s:connect("`+eHost+`", `+ePort+`, { pool = "p" }))
            assert(s:setkeepalive())
            local s2 = ngx.socket.tcp()
            ngx.say(s2:connect("`+gHost+`", `+gPort+`, { pool = "p" }))
        } }
        location /proxy { proxy_pass http://`+guarded+`; }
        location /balancer { proxy_pass http://dyn; }
        location /kept { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://kept/hello; }
        location /hello { content_by_lua_block { ngx.say("hello") } }
    }`, Options{DialPolicy: policy})
	selfAddr := strings.TrimPrefix(base, "http://")
	self.Store(&selfAddr)
	refusal := "connection to " + guarded + " refused by the test's policy"
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/cosocket", 200, "nil" + refusal + "\n"},
		{"/alias", 200, "hi\n"},
		{"/pool", 200, "nil" + refusal + "\n"},
		{"/proxy", 502, ""},
		{"/balancer", 502, ""},
		{"/kept", 200, "hello\n"},
		{"/kept", 200, "hello\n"}, // on the kept-alive connection
	} {
		st, body := get(t, base+tc.path)
		if st != tc.status || (tc.body != "" && body != tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, st, body, tc.status, tc.body)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the refused listener accepted %d connections", n)
	}
	log := readFile(t, prefix+"/logs/error.log")
	for _, want := range []string{
		refusal + `, client: 127.0.0.1, server: , request: "GET /cosocket HTTP/1.1"`,
		refusal + ` while connecting to upstream, client: 127.0.0.1, server: , request: "GET /proxy HTTP/1.1", upstream: "http://` + guarded + `/proxy"`,
		refusal + ` while connecting to upstream, client: 127.0.0.1, server: , request: "GET /balancer HTTP/1.1", upstream: "http://` + guarded + `/balancer"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error.log lacks %q:\n%s", want, log)
		}
	}
}
