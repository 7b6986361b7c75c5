package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/restylab/restylab/testserver"
)

func TestHostsRoundTrip(t *testing.T) {
	in := map[string]string{"redis.lab": "127.0.0.1:6390", "echo.lab": "127.0.0.1:7001"}
	s := FormatHosts(in)
	if s != "echo.lab=127.0.0.1:7001,redis.lab=127.0.0.1:6390" {
		t.Fatalf("FormatHosts = %q", s)
	}
	out, err := ParseHosts(s)
	if err != nil || len(out) != 2 || out["redis.lab"] != "127.0.0.1:6390" {
		t.Fatalf("ParseHosts = %v, %v", out, err)
	}
	for _, bad := range []string{"x", "=1.2.3.4:5", "a=nohostport"} {
		if _, err := ParseHosts(bad); err == nil {
			t.Errorf("ParseHosts(%q) accepted", bad)
		}
	}
}

// TestLabHosts: an instance's cosockets reach the lab's services by name,
// and nothing else by name.
func TestLabHosts(t *testing.T) {
	svc, err := testserver.Start(context.Background(), testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	m := newManager(t, Config{Hosts: svc.HostMap()})
	conf := `events {}
http {
    server {
        listen 8080;
        location /echo {
            content_by_lua_block {
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect("echo.lab", 7)
                if not ok then ngx.say("connect: ", err) return end
                sock:send("ping\n")
                ngx.say(sock:receive())
                sock:close()
            }
        }
        location /other {
            content_by_lua_block {
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect("example.com", 80)
                ngx.say(ok, " ", err)
            }
        }
    }
}
`
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/echo"); code != 200 || body != "ping\n" {
		t.Fatalf("/echo: %d %q", code, body)
	}
	if code, body := get(t, in, "/other"); code != 200 || !strings.Contains(body, "nil") || !strings.Contains(body, "resolve") {
		t.Fatalf("/other: %d %q", code, body)
	}
}
