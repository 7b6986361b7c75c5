package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/restylab/restylab/testserver"
)

// The network policy of a sandboxed instance (engine.SandboxDialPolicy):
// its cosockets and proxy_pass reach its own port (also by the address its
// nginx.conf declared) and the lab's services, nothing else on the machine.

// refusedBySandbox starts every refusal of the policy.
const refusedBySandbox = "refused by the lab's sandbox: an instance may connect only to its own port"

// netProbeConf is a workspace that probes the network on request: GET
// /connect?host=H&port=P (or ?unix=PATH) connects, sends GET /secret and
// says what came back; /echo?host=H&port=P talks to a line echo server;
// /scan?hosts=H,...&ports=P,... tries every pair and says which opened
// and every distinct refusal (the address replaced by ADDR); /proxy-dyn
// proxies to ?host=&port= through balancer_by_lua; /proxy-self to the
// declared listen address. GET /secret says "secret of NAME". extra goes
// into the server block.
func netProbeConf(name, extra string) string {
	return `events {}
http {
    upstream dyn {
        server 0.0.0.1;
        balancer_by_lua_block {
            require("ngx.balancer").set_current_peer(ngx.var.arg_host or "127.0.0.1", tonumber(ngx.var.arg_port))
        }
    }
    server {
        listen 8080;
        location = /secret {
            content_by_lua_block { ngx.say("secret of ` + name + `") }
        }
        location = /connect {
            content_by_lua_block {
                local s = ngx.socket.tcp()
                s:settimeout(5000)
                local ok, err
                if ngx.var.arg_unix then
                    ok, err = s:connect("unix:" .. ngx.unescape_uri(ngx.var.arg_unix))
                else
                    ok, err = s:connect(ngx.var.arg_host, tonumber(ngx.var.arg_port))
                end
                if not ok then ngx.say("refused: ", err) return end
                s:send("GET /secret HTTP/1.0\r\nHost: probe\r\n\r\n")
                local body, rerr = s:receive("*a")
                ngx.say("connected: ", body or rerr)
            }
        }
        location = /echo {
            content_by_lua_block {
                local s = ngx.socket.tcp()
                s:settimeout(5000)
                local ok, err = s:connect(ngx.var.arg_host, tonumber(ngx.var.arg_port))
                if not ok then ngx.say("refused: ", err) return end
                s:send("ping\n")
                ngx.say("echo: ", s:receive())
            }
        }
        location = /scan {
            content_by_lua_block {
                local refusals = {}
                for h in ngx.var.arg_hosts:gmatch("[^,]+") do
                    for p in ngx.var.arg_ports:gmatch("[^,]+") do
                        local s = ngx.socket.tcp()
                        s:settimeout(2000)
                        local ok, err = s:connect(h, tonumber(p))
                        if ok then
                            ngx.say("open ", h, ":", p)
                            s:close()
                        else
                            local i, j = err:find(h .. ":" .. p, 1, true)
                            if i then err = err:sub(1, i - 1) .. "ADDR" .. err:sub(j + 1) end
                            refusals[err] = (refusals[err] or 0) + 1
                        end
                    end
                end
                for err, n in pairs(refusals) do ngx.say("refused ", n, ": ", err) end
            }
        }
        location = /proxy-dyn { proxy_pass http://dyn/secret; }
        location = /proxy-self { proxy_pass http://127.0.0.1:8080/secret; }
` + extra + `
    }
}
`
}

// startProbe starts a netProbeConf instance.
func startProbe(t *testing.T, m *Manager, name, extra string) *Instance {
	t.Helper()
	in, err := m.Start(context.Background(), name, Workspace{Conf: netProbeConf(name, extra)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Stop() })
	return in
}

// countingListener listens on network ("tcp" on 127.0.0.1:0, or "unix" on
// a path) and counts the connections it accepts: it stands for something
// of the lab's that a learner must not reach.
func countingListener(t *testing.T, network, addr string) (net.Listener, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return l, &n
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// netRow is one probe of an instance and what the learner must see.
type netRow struct {
	name       string
	path       string
	wantStatus int
	wantBody   []string // parts of the body
	wantLog    string   // part of an error_log line
}

func runNetRows(t *testing.T, in *Instance, rows []netRow) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			r := try(in, tt.path)
			if r.err != nil || r.status != tt.wantStatus {
				t.Fatalf("GET %s = %d %q %v, want %d", tt.path, r.status, r.body, r.err, tt.wantStatus)
			}
			for _, part := range tt.wantBody {
				if !strings.Contains(r.body, part) {
					t.Errorf("GET %s = %q, want it to contain %q", tt.path, r.body, part)
				}
			}
			t.Logf("GET %s: %d %q", tt.path, r.status, r.body)
			if tt.wantLog != "" {
				expectLog(t, in, tt.wantLog)
			}
		})
	}
}

// TestNetAllowed: what an instance may reach works: its own port, by its
// real address and by the one its nginx.conf declared (`listen 8080;` then
// 127.0.0.1:8080, as the course's examples do), from cosockets, proxy_pass
// and balancer_by_lua; the lab's services by name and by their ip:port.
func TestNetAllowed(t *testing.T) {
	svc, err := testserver.Start(context.Background(), testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	hosts := svc.HostMap()
	echo := hosts[testserver.HostEcho]
	m := newManager(t, Config{Hosts: hosts})
	in := startProbe(t, m, "me", "")
	own := strconv.Itoa(in.Port())
	runNetRows(t, in, []netRow{
		{name: "cosocket to its own port", path: "/connect?host=127.0.0.1&port=" + own,
			wantStatus: 200, wantBody: []string{"connected: HTTP/1.1 200", "secret of me"}},
		{name: "cosocket to its declared port", path: "/connect?host=127.0.0.1&port=8080",
			wantStatus: 200, wantBody: []string{"connected: HTTP/1.1 200", "secret of me"}},
		{name: "cosocket to its declared port on 127.0.0.2", path: "/connect?host=127.0.0.2&port=8080",
			wantStatus: 200, wantBody: []string{"secret of me"}},
		{name: "proxy_pass to its declared port", path: "/proxy-self",
			wantStatus: 200, wantBody: []string{"secret of me"}},
		{name: "balancer peer: its own port", path: "/proxy-dyn?port=" + own,
			wantStatus: 200, wantBody: []string{"secret of me"}},
		{name: "balancer peer: its declared port", path: "/proxy-dyn?port=8080",
			wantStatus: 200, wantBody: []string{"secret of me"}},
		{name: "lab service by name", path: "/echo?host=echo.lab&port=7",
			wantStatus: 200, wantBody: []string{"echo: ping\n"}},
		{name: "lab service by ip:port", path: "/echo?host=127.0.0.1&port=" + strconv.Itoa(portOf(t, echo)),
			wantStatus: 200, wantBody: []string{"echo: ping\n"}},
	})
}

// TestNetOtherInstance: an instance cannot reach another running one,
// neither by cosocket nor by proxy_pass or a balancer peer, and the
// refusal names the rule.
func TestNetOtherInstance(t *testing.T) {
	m := newManager(t, Config{})
	victim := startProbe(t, m, "victim", "")
	other := strconv.Itoa(victim.Port())
	attacker := startProbe(t, m, "attacker", `
        location = /proxy-other { proxy_pass http://127.0.0.1:`+other+`/secret; }`)
	rule := fmt.Sprintf("an instance may connect only to its own port (listen 0.0.0.0:8080, served at 127.0.0.1:%d): the lab runs no services for it", attacker.Port())
	refusal := "connection to 127.0.0.1:" + other + " refused by the lab's sandbox: " + rule
	runNetRows(t, attacker, []netRow{
		{name: "cosocket", path: "/connect?host=127.0.0.1&port=" + other,
			wantStatus: 200, wantBody: []string{"refused: " + refusal + "\n"}, wantLog: refusal},
		{name: "cosocket by an IPv4-mapped address", path: "/connect?host=::ffff:127.0.0.1&port=" + other,
			wantStatus: 200, wantBody: []string{"refused: connection to 127.0.0.1:" + other + " " + refusedBySandbox}},
		{name: "proxy_pass", path: "/proxy-other",
			wantStatus: 502, wantLog: refusal + ` while connecting to upstream, client: 127.0.0.1, server: , request: "GET /proxy-other HTTP/1.1", upstream: "http://127.0.0.1:` + other + `/secret"`},
		{name: "balancer peer", path: "/proxy-dyn?port=" + other,
			wantStatus: 502, wantLog: refusal + ` while connecting to upstream, client: 127.0.0.1, server: , request: "GET /proxy-dyn?port=` + other},
		// the declared port is the attacker's own, though both declared 8080
		{name: "declared port", path: "/connect?host=127.0.0.1&port=8080",
			wantStatus: 200, wantBody: []string{"secret of attacker"}},
	})
	if r := try(victim, "/secret"); r.err != nil || r.body != "secret of victim\n" {
		t.Errorf("the victim: GET /secret = %d %q %v", r.status, r.body, r.err)
	}
}

// TestNetLabPort: a listening socket of the lab's process (here the
// test's, standing in for the lab's web port) is refused and never sees a
// connection.
func TestNetLabPort(t *testing.T) {
	l, accepted := countingListener(t, "tcp", "127.0.0.1:0")
	port := strconv.Itoa(portOf(t, l.Addr().String()))
	m := newManager(t, Config{})
	in := startProbe(t, m, "me", "")
	runNetRows(t, in, []netRow{
		{name: "cosocket", path: "/connect?host=127.0.0.1&port=" + port,
			wantStatus: 200, wantBody: []string{"refused: connection to 127.0.0.1:" + port + " " + refusedBySandbox}},
		{name: "cosocket to 0.0.0.0", path: "/connect?host=0.0.0.0&port=" + port,
			wantStatus: 200, wantBody: []string{"refused: connection to 0.0.0.0:" + port + " " + refusedBySandbox}},
		{name: "balancer peer", path: "/proxy-dyn?port=" + port,
			wantStatus: 502, wantLog: ` while connecting to upstream, client: 127.0.0.1, server: , request: "GET /proxy-dyn?port=` + port},
	})
	if n := accepted.Load(); n != 0 {
		t.Errorf("the lab's port accepted %d connections from the instance", n)
	}
}

// TestNetUnixSocket: a unix socket of the machine (a listener in a temp
// directory, standing in for docker.sock) is refused and never sees a
// connection: a sandboxed instance has no unix listener of its own.
func TestNetUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host.sock")
	_, accepted := countingListener(t, "unix", path)
	m := newManager(t, Config{})
	in := startProbe(t, m, "me", "")
	runNetRows(t, in, []netRow{
		{name: "cosocket", path: "/connect?unix=" + url.QueryEscape(path),
			wantStatus: 200,
			wantBody:   []string{"refused: connection to unix:" + path + " refused by the lab's sandbox: an instance may connect to no unix socket, only to its own port"},
			wantLog:    "connection to unix:" + path + " refused by the lab's sandbox"},
	})
	if n := accepted.Load(); n != 0 {
		t.Errorf("the unix socket accepted %d connections from the instance", n)
	}
}

// TestNetPortScan: a learner scanning loopback ports (a window around its
// own, another instance's port, the lab's port, the lab's services, on
// three addresses) finds open only its own port (also as declared) and
// the lab's services; every refusal is the same sentence, open port or
// not, so a scan tells nothing.
func TestNetPortScan(t *testing.T) {
	svc, err := testserver.Start(context.Background(), testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	hosts := svc.HostMap()
	lab, accepted := countingListener(t, "tcp", "127.0.0.1:0")
	m := newManager(t, Config{Hosts: hosts})
	neighbour := startProbe(t, m, "neighbour", "")
	in := startProbe(t, m, "scanner", "")

	ports := []int{8080, neighbour.Port(), portOf(t, lab.Addr().String())}
	for p := max(in.Port()-100, 1); p <= min(in.Port()+100, 65535); p++ {
		ports = append(ports, p)
	}
	want := []string{
		fmt.Sprintf("open 127.0.0.1:%d", in.Port()),
		"open 127.0.0.1:8080", "open 127.0.0.2:8080", "open 0.0.0.0:8080", // its declared listen 8080
	}
	for _, addr := range hosts {
		ports = append(ports, portOf(t, addr))
		want = append(want, "open "+addr)
	}
	slices.Sort(ports)
	ports = slices.Compact(ports)
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	start := time.Now()
	r := try(in, "/scan?hosts=127.0.0.1,127.0.0.2,0.0.0.0&ports="+strings.Join(list, ","))
	if r.err != nil || r.status != 200 {
		t.Fatalf("GET /scan = %d %q %v", r.status, r.body, r.err)
	}
	t.Logf("scanned %d ports on 3 addresses in %v", len(ports), time.Since(start).Round(time.Millisecond))
	var open, refusals []string
	for _, line := range strings.Split(strings.TrimSpace(r.body), "\n") {
		if strings.HasPrefix(line, "open ") {
			open = append(open, line)
		} else {
			refusals = append(refusals, line)
		}
	}
	slices.Sort(open)
	slices.Sort(want)
	if !slices.Equal(open, want) {
		t.Errorf("open:\n%s\nwant:\n%s", strings.Join(open, "\n"), strings.Join(want, "\n"))
	}
	// "refused N: connection to ADDR refused by the lab's sandbox: ..."
	if len(refusals) != 1 || !strings.Contains(refusals[0], ": connection to ADDR "+refusedBySandbox) {
		t.Errorf("refusals: %q, want one sentence for every refused address", refusals)
	} else {
		t.Log(refusals[0])
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the lab's port accepted %d connections from the scan", n)
	}
}

// TestNetReload: the policy follows the loaded workspace: after a reload
// that declares another port, that port reaches the instance and the old
// one is refused like any other.
func TestNetReload(t *testing.T) {
	m := newManager(t, Config{})
	in := startProbe(t, m, "me", "")
	conf := strings.Replace(netProbeConf("me", ""), "listen 8080;", "listen 127.0.0.1:9090;", 1)
	if err := in.Reload(context.Background(), Workspace{Conf: conf}); err != nil {
		t.Fatal(err)
	}
	runNetRows(t, in, []netRow{
		{name: "the new declared address", path: "/connect?host=127.0.0.1&port=9090",
			wantStatus: 200, wantBody: []string{"secret of me"}},
		{name: "the old declared port", path: "/connect?host=127.0.0.1&port=8080",
			wantStatus: 200, wantBody: []string{"refused: connection to 127.0.0.1:8080 refused by the lab's sandbox: an instance may connect only to its own port (listen 127.0.0.1:9090, served at"}},
		{name: "the new declared port on another address", path: "/connect?host=127.0.0.2&port=9090",
			wantStatus: 200, wantBody: []string{"refused: connection to 127.0.0.2:9090 " + refusedBySandbox}},
	})
}
