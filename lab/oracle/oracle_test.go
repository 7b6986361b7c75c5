package oracle

import (
	"strconv"
	"strings"
	"testing"
)

func TestStartServesLua(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	s := Start(t, `
  server {
    listen 127.0.0.1:{{PORT}};
    location = /hello { content_by_lua_block { ngx.say("hello from ", ngx.var.server_port) } }
    location = /file { content_by_lua_file {{PREFIX}}/lua/file.lua; }
  }
`, Options{Files: map[string]string{"lua/file.lua": `ngx.print("from a file")`}})
	if got, want := s.Get(t, "/hello"), "hello from "+strconv.Itoa(s.Port())+"\n"; got != want {
		t.Errorf("GET /hello = %q, want %q", got, want)
	}
	if got := s.Get(t, "/file"); got != "from a file" {
		t.Errorf("GET /file = %q", got)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q", s.URL())
	}
}

func TestStartMasterProcess(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := Start(t, "server { listen 127.0.0.1:{{PORT}}; location / { content_by_lua_block { ngx.print(ngx.worker.count()) } } }",
		Options{MasterProcess: true})
	if got := s.Get(t, "/"); got != "1" {
		t.Errorf("worker count = %q, want 1", got)
	}
}

func TestConfig(t *testing.T) {
	s := &Server{port: 4242, prefix: "/p"}
	conf := s.config("server { listen 127.0.0.1:{{PORT}}; root {{PREFIX}}/html; }", Options{})
	for _, want := range []string{
		"load_module " + LuaModule + ";",
		"daemon off;",
		"master_process off;",
		"pid /p/nginx.pid;",
		"error_log /p/error.log info;",
		"http {\n  access_log off;\n",
		"client_body_temp_path /p/client_body_temp;",
		"server { listen 127.0.0.1:4242; root /p/html; }\n}\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
}
