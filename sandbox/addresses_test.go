package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
	"github.com/restylab/restylab/testserver/labca"
)

// multiConf is a course-like workspace of several servers: plain HTTP on
// 80, HTTPS on 443 (the lab's a.test certificate), an origin on
// 127.0.0.1:8080 that the :80 server proxies to, and a cosocket from :80
// to its own 443. extra goes into the :80 server block; more servers can
// follow in servers.
func multiConf(extra, servers string) string {
	return `events {}
http {
    server {
        listen 80;
        location / { content_by_lua_block { ngx.say("plain ", ngx.var.uri) } }
        location = /via-proxy { proxy_pass http://127.0.0.1:8080/origin; }
        location = /to-443 {
            content_by_lua_block {
                local s = ngx.socket.tcp()
                s:settimeout(5000)
                local ok, err = s:connect("127.0.0.1", 443)
                if not ok then ngx.say("refused: ", err) return end
                s:send("GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                ngx.say("got: ", s:receive("*a"))
            }
        }
` + extra + `
    }
    server {
        listen 443 ssl;
        ssl_certificate certs/a.test.crt;
        ssl_certificate_key certs/a.test.key;
        location / { content_by_lua_block { ngx.say("tls ", ngx.var.scheme) } }
    }
    server {
        listen 127.0.0.1:8080;
        location / { content_by_lua_block { ngx.say("origin ", ngx.var.uri) } }
    }
` + servers + `}
`
}

var tlsClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
	DisableKeepAlives: true,
	TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: "a.test"},
}}

// getAt GETs path from the lab port of a, over TLS when a is ssl.
func getAt(t *testing.T, a proto.Address, path string) (int, string) {
	t.Helper()
	c, scheme := client, "http"
	if a.SSL {
		c, scheme = tlsClient, "https"
	}
	resp, err := c.Get(fmt.Sprintf("%s://127.0.0.1:%d%s", scheme, a.Port, path))
	if err != nil {
		t.Fatalf("GET %s from %s (port %d): %v", path, a.Declared, a.Port, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s from %s: read body: %v", path, a.Declared, err)
	}
	return resp.StatusCode, string(b)
}

// wantAddresses checks the declared addresses and ssl flags an instance
// reports, that their ports differ, and that Port is the first one's.
func wantAddresses(t *testing.T, in *Instance, want ...string) []proto.Address {
	t.Helper()
	got := in.Addresses()
	var names []string
	ports := map[int]bool{}
	for _, a := range got {
		n := a.Declared
		if a.SSL {
			n += " ssl"
		}
		names = append(names, n)
		ports[a.Port] = true
	}
	if strings.Join(names, ", ") != strings.Join(want, ", ") {
		t.Fatalf("addresses = %s, want %s", strings.Join(names, ", "), strings.Join(want, ", "))
	}
	if len(ports) != len(got) {
		t.Fatalf("addresses %+v: two share a lab port", got)
	}
	if in.Port() != got[0].Port || in.SSL() != got[0].SSL {
		t.Fatalf("Port %d SSL %v, want the first address's (%+v)", in.Port(), in.SSL(), got[0])
	}
	return got
}

// TestSeveralAddresses: plain, ssl and an origin on another port load
// unchanged; each address answers on its own lab port with its own server;
// the :80 server reaches the :8080 one by proxy_pass and its own 443 by
// cosocket, under the addresses nginx.conf declared.
func TestSeveralAddresses(t *testing.T) {
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Config{LabFiles: ca.Files()})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: multiConf("", "")})
	if err != nil {
		t.Fatal(err)
	}
	addrs := wantAddresses(t, in, "0.0.0.0:80", "0.0.0.0:443 ssl", "127.0.0.1:8080")
	tests := []struct {
		addr       int
		path, want string
	}{
		{0, "/a", "plain /a\n"},
		{1, "/b", "tls https\n"},
		{2, "/c", "origin /c\n"},
		{0, "/via-proxy", "origin /origin\n"},
	}
	for _, tt := range tests {
		if code, body := getAt(t, addrs[tt.addr], tt.path); code != 200 || body != tt.want {
			t.Errorf("GET %s from %s = %d %q, want 200 %q", tt.path, addrs[tt.addr].Declared, code, body, tt.want)
		}
	}
	// plain HTTP to its own ssl port: nginx's 400 from the 443 server
	if code, body := getAt(t, addrs[0], "/to-443"); code != 200 || !strings.Contains(body, "got: HTTP/1.1 400") || !strings.Contains(body, "HTTPS port") {
		t.Errorf("cosocket to its own 443 = %d %q, want the ssl server's 400", code, body)
	}
}

// TestReloadAddsAndRemovesAddresses: a reload may add an address (a new
// lab port) and remove one; the addresses it keeps keep their port and
// serve the new configuration; a removed address stops answering.
func TestReloadAddsAndRemovesAddresses(t *testing.T) {
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Config{LabFiles: ca.Files()})
	one := "events {}\nhttp {\n server {\n  listen 80;\n  location / { content_by_lua_block { ngx.say(\"v1\") } }\n }\n}\n"
	in, err := m.Start(context.Background(), "s", Workspace{Conf: one})
	if err != nil {
		t.Fatal(err)
	}
	first := wantAddresses(t, in, "0.0.0.0:80")[0]

	// add two addresses
	if err := in.Reload(context.Background(), Workspace{Conf: multiConf("", "")}); err != nil {
		t.Fatal(err)
	}
	three := wantAddresses(t, in, "0.0.0.0:80", "0.0.0.0:443 ssl", "127.0.0.1:8080")
	if three[0].Port != first.Port {
		t.Errorf("the kept address 80 moved from port %d to %d", first.Port, three[0].Port)
	}
	for i, want := range []string{"plain /x\n", "tls https\n", "origin /x\n"} {
		if code, body := getAt(t, three[i], "/x"); code != 200 || body != want {
			t.Errorf("after adding: %s = %d %q, want %q", three[i].Declared, code, body, want)
		}
	}

	// remove 443, put 8080 first and add 9090
	v3 := "events {}\nhttp {\n server {\n  listen 127.0.0.1:8080;\n  location / { content_by_lua_block { ngx.say(\"origin v3\") } }\n }\n" +
		" server {\n  listen 80;\n  listen 9090;\n  location / { content_by_lua_block { ngx.say(\"plain v3 \", ngx.var.server_port) } }\n }\n}\n"
	if err := in.Reload(context.Background(), Workspace{Conf: v3}); err != nil {
		t.Fatal(err)
	}
	now := wantAddresses(t, in, "127.0.0.1:8080", "0.0.0.0:80", "0.0.0.0:9090")
	if now[0].Port != three[2].Port || now[1].Port != three[0].Port {
		t.Errorf("kept addresses moved: before %+v, after %+v", three, now)
	}
	if now[2].Port != three[1].Port {
		t.Errorf("9090 got port %d, want the removed 443's port %d (the first free one)", now[2].Port, three[1].Port)
	}
	// $server_port is the declared port, as nginx.conf says, not the lab's
	for i, want := range []string{"origin v3\n", "plain v3 80\n", "plain v3 9090\n"} {
		if code, body := getAt(t, now[i], "/"); code != 200 || body != want {
			t.Errorf("after the second reload: %s = %d %q, want %q", now[i].Declared, code, body, want)
		}
	}

	// back to one address: the others' ports close once the old engine
	// has stopped accepting
	if err := in.Reload(context.Background(), Workspace{Conf: one}); err != nil {
		t.Fatal(err)
	}
	wantAddresses(t, in, "0.0.0.0:80")
	if code, body := getAt(t, proto.Address{Declared: "80", Port: in.Port()}, "/"); code != 200 || body != "v1\n" {
		t.Errorf("back to one address: %d %q", code, body)
	}
	for _, gone := range []proto.Address{now[0], now[2]} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(gone.Port), time.Second)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("the removed address %s still accepts on port %d", gone.Declared, gone.Port)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// manyListens is a workspace of n servers on ports 8001.. (server i's
// listen on line 4+2i).
func manyListens(n int) string {
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " server {\n  listen %d; location / { return 200 \"port %d\\n\"; } }\n", 8001+i, 8001+i)
	}
	b.WriteString("}\n")
	return b.String()
}

// TestAddressLimit: a workspace may declare DefaultMaxAddresses addresses
// (a Manager may set fewer); one more is refused at its own file:line,
// as a start (nothing leaks: the ports go back) or as a reload (the old
// workspace serves on).
func TestAddressLimit(t *testing.T) {
	m := newManager(t, Config{})
	for _, n := range []int{DefaultMaxAddresses + 1, 20} {
		_, err := m.Start(context.Background(), "s", Workspace{Conf: manyListens(n)})
		var le *LoadError
		if !errors.As(err, &le) {
			t.Fatalf("%d addresses: %v, want a *LoadError", n, err)
		}
		line := 4 + 2*DefaultMaxAddresses
		want := fmt.Sprintf("listen 0.0.0.0:%d is address number %d, and the lab serves at most %d per workspace", 8001+DefaultMaxAddresses, DefaultMaxAddresses+1, DefaultMaxAddresses)
		if le.File != "nginx.conf" || le.Line != line || !strings.Contains(le.Message, want) {
			t.Fatalf("%d addresses: %+v, want nginx.conf:%d %q", n, *le, line, want)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for m.Live() != 0 || m.reservedPorts() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after refused starts: %d live, %d ports set aside", m.Live(), m.reservedPorts())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// the most there may be, in two instances at once: 16 distinct ports
	seen := map[int]string{}
	var ins []*Instance
	for _, name := range []string{"a", "b"} {
		in, err := m.Start(context.Background(), name, Workspace{Conf: manyListens(DefaultMaxAddresses)})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
		for _, a := range in.Addresses() {
			if other, ok := seen[a.Port]; ok {
				t.Fatalf("port %d serves %s of %s and of %s", a.Port, a.Declared, other, name)
			}
			seen[a.Port] = name
			if code, body := getAt(t, a, "/"); code != 200 || body != "port "+a.Declared[len("0.0.0.0:"):]+"\n" {
				t.Fatalf("%s of %s: %d %q", a.Declared, name, code, body)
			}
		}
	}
	if len(seen) != 2*DefaultMaxAddresses {
		t.Fatalf("%d ports serve two workspaces of %d addresses", len(seen), DefaultMaxAddresses)
	}
	// a reload past the limit leaves the old workspace serving
	err := ins[0].Reload(context.Background(), Workspace{Conf: manyListens(20)})
	var le *LoadError
	if !errors.As(err, &le) || le.Line != 4+2*DefaultMaxAddresses {
		t.Fatalf("reload with 20 addresses: %v", err)
	}
	if got := len(ins[0].Addresses()); got != DefaultMaxAddresses {
		t.Fatalf("after the refused reload: %d addresses", got)
	}
	if code, _ := getAt(t, ins[0].Addresses()[DefaultMaxAddresses-1], "/"); code != 200 {
		t.Fatalf("after the refused reload: %d", code)
	}

	// a Manager's own limit
	small := newManager(t, Config{MaxAddresses: 2})
	_, err = small.Start(context.Background(), "s", Workspace{Conf: manyListens(3)})
	if !errors.As(err, &le) || le.Line != 8 || !strings.Contains(le.Message, "at most 2 per workspace") {
		t.Fatalf("3 addresses under a limit of 2: %v", err)
	}
}

// TestAddressesCannotReachOthers: a listen naming another instance's lab
// port, or a port of the lab's own, gives the learner's own server under
// that name: the neighbour and the lab never see a connection; another
// instance's second address is as unreachable as its first.
func TestAddressesCannotReachOthers(t *testing.T) {
	l, accepted := countingListener(t, "tcp", "127.0.0.1:0")
	labPort := strconv.Itoa(portOf(t, l.Addr().String()))
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Config{LabFiles: ca.Files()})
	victim, err := m.Start(context.Background(), "victim", Workspace{Conf: multiConf("", "")})
	if err != nil {
		t.Fatal(err)
	}
	va := victim.Addresses()
	first, second := strconv.Itoa(va[0].Port), strconv.Itoa(va[2].Port)
	attacker := startProbe(t, m, "attacker", `
        listen 127.0.0.1:`+first+`;
        listen 127.0.0.1:`+labPort+`;
        location = /proxy-victim { proxy_pass http://127.0.0.1:`+first+`/secret; }`)
	if n := len(attacker.Addresses()); n != 3 {
		t.Fatalf("the attacker serves %d addresses, want 3", n)
	}
	runNetRows(t, attacker, []netRow{
		{name: "cosocket to the victim's port it declared", path: "/connect?host=127.0.0.1&port=" + first,
			wantStatus: 200, wantBody: []string{"secret of attacker"}},
		{name: "proxy_pass to the victim's port it declared", path: "/proxy-victim",
			wantStatus: 200, wantBody: []string{"secret of attacker"}},
		{name: "cosocket to the lab's port it declared", path: "/connect?host=127.0.0.1&port=" + labPort,
			wantStatus: 200, wantBody: []string{"secret of attacker"}},
		{name: "cosocket to the victim's second address", path: "/connect?host=127.0.0.1&port=" + second,
			wantStatus: 200, wantBody: []string{"refused: connection to 127.0.0.1:" + second + " " + refusedBySandbox}},
	})
	if n := accepted.Load(); n != 0 {
		t.Errorf("the lab's port accepted %d connections", n)
	}
	for i, want := range []string{"plain /secret\n", "tls https\n", "origin /secret\n"} {
		if code, body := getAt(t, va[i], "/secret"); code != 200 || body != want {
			t.Errorf("the victim's %s: %d %q, want %q", va[i].Declared, code, body, want)
		}
	}
}

// TestReloadRemovingAnAddressFinishesItsRequests: a request in flight on
// an address a reload removes is finished by the old engine, as nginx's
// old workers do, while the kept address serves the new configuration.
func TestReloadRemovingAnAddressFinishesItsRequests(t *testing.T) {
	m := newManager(t, Config{})
	two := "events {}\nhttp {\n server {\n  listen 80;\n  location / { content_by_lua_block { ngx.say(\"v1\") } }\n }\n" +
		" server {\n  listen 8080;\n  location / { content_by_lua_block { ngx.sleep(1) ngx.say(\"slow done\") } }\n }\n}\n"
	in, err := m.Start(context.Background(), "s", Workspace{Conf: two})
	if err != nil {
		t.Fatal(err)
	}
	addrs := wantAddresses(t, in, "0.0.0.0:80", "0.0.0.0:8080")
	type answer struct {
		code int
		body string
	}
	slow := make(chan answer, 1)
	go func() {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", addrs[1].Port))
		if err != nil {
			slow <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- answer{resp.StatusCode, string(b)}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for in.Health().Conns == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // the slow request is in
	}
	one := "events {}\nhttp {\n server {\n  listen 80;\n  location / { content_by_lua_block { ngx.say(\"v2\") } }\n }\n}\n"
	if err := in.Reload(context.Background(), Workspace{Conf: one}); err != nil {
		t.Fatal(err)
	}
	if code, body := getAt(t, wantAddresses(t, in, "0.0.0.0:80")[0], "/"); code != 200 || body != "v2\n" {
		t.Fatalf("the kept address after the reload: %d %q", code, body)
	}
	select {
	case a := <-slow:
		if a.code != 200 || a.body != "slow done\n" {
			t.Fatalf("the request in flight on the removed address: %d %q", a.code, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight on the removed address never finished")
	}
}
