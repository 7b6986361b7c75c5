package engine

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// udpEcho is a UDP server on loopback that sends every datagram back,
// prefixed with "echo:".
func udpEcho(t *testing.T) *net.UDPAddr {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			pc.WriteToUDP(append([]byte("echo:"), buf[:n]...), from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr)
}

// TestUDPEchoRoundTrip: datagrams of each type send takes reach a real UDP
// server and its answers come back through receive, whole or cut to
// receive's size; a receive waiting for an answer yields and is resumed by
// the reply.
func TestUDPEchoRoundTrip(t *testing.T) {
	echo := udpEcho(t)
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local u = ngx.socket.udp()
            u:settimeout(2000)
            assert(u:setpeername("127.0.0.1", `+fmt.Sprint(echo.Port)+`))
            ngx.say(u:send("ping"))
            ngx.say(u:receive())
            u:send({"a", 1, {"b", true}})
            ngx.say(u:receive())
            u:send(string.rep("x", 20))
            ngx.say(u:receive(8))
            u:settimeout(300)
            local d, err = u:receive()
            ngx.say("after cut: ", tostring(d), " ", tostring(err))
            ngx.say(u:close())
        } }
    }`, Options{})
	_, body := get(t, base+"/")
	// receive(8) of the 25-byte answer keeps 8 bytes and drops the rest of
	// the datagram (one recv), so the next receive times out
	if want := "1\necho:ping\necho:a1btrue\necho:xxx\nafter cut: nil timeout\n1\n"; body != want {
		t.Errorf("body %q, want %q", body, want)
	}
}

// TestUDPSandboxRefusal: in a sandbox a UDP peer outside the allow-list is
// refused by the same policy, with the same error, as a TCP connect; no
// datagram leaves.
func TestUDPSandboxRefusal(t *testing.T) {
	echo := udpEcho(t)
	policy := func(addr string) (string, error) {
		return "", fmt.Errorf("connection to %s refused by the lab's policy (only the instance's own ports and the lab's services)", addr)
	}
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local u = ngx.socket.udp()
            ngx.say(u:setpeername("127.0.0.1", `+fmt.Sprint(echo.Port)+`))
            ngx.say(u:send("x"))
            local t = ngx.socket.tcp()
            ngx.say(t:connect("127.0.0.1", `+fmt.Sprint(echo.Port)+`))
        } }
    }`, Options{Sandbox: true, DialPolicy: policy})
	_, body := get(t, base+"/")
	refusal := fmt.Sprintf("connection to 127.0.0.1:%d refused by the lab's policy", echo.Port)
	lines := strings.Split(body, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "nil"+refusal) || lines[1] != "nilclosed" || !strings.HasPrefix(lines[2], "nil"+refusal) {
		t.Errorf("body %q, want the refusal for UDP and TCP alike", body)
	}
	if log := readFile(t, prefix+"/logs/error.log"); !strings.Contains(log, refusal) {
		t.Errorf("error.log lacks the refusal:\n%s", log)
	}
}

// TestRawReqSocketOwnConnectionOnly: the raw request socket reads and writes
// its own client's connection: another client's bytes, sent at the same
// time on another connection, never reach it, and the socket object passed
// to another request (through a global) is refused there.
func TestRawReqSocketOwnConnectionOnly(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /raw { content_by_lua_block {
            local s = assert(ngx.req.socket(true))
            stolen = s
            s:settimeout(3000)
            local line = s:receive()
            s:send("HTTP/1.0 200 OK\r\n\r\nraw got " .. tostring(line) .. "\n")
        } }
        location /steal { content_by_lua_block {
            local ok, err = pcall(stolen.send, stolen, "injected\n")
            ngx.say("steal: ", tostring(ok), " ", tostring(err))
        } }
    }`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler now waits in receive
	_, body := get(t, base+"/steal")
	if !strings.Contains(body, "steal: false") || !strings.Contains(body, "bad request") {
		t.Errorf("/steal: %q, want the socket refused in another request", body)
	}
	if _, err := c.Write([]byte("mine\r\n")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	out, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "HTTP/1.0 200 OK\r\n\r\nraw got mine\n" {
		t.Errorf("raw connection got %q", got)
	}
}
