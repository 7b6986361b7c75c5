package conf

import (
	"reflect"
	"testing"
)

// locName is the text of the location's `return 200 "NAME"`.
func locName(l *Location) string {
	if l == nil {
		return "<none>"
	}
	for _, op := range l.Rewrites {
		if op.Kind == OpReturn {
			return op.Text
		}
	}
	return l.Pattern
}

func TestFindLocation(t *testing.T) {
	cfg, _, err := Load("testdata/locations.conf", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := cfg.HTTP.Servers[0]
	// Verified with curl against real nginx (see testdata/locations.conf).
	tests := []struct {
		uri, want string
		caps      []string
	}{
		{"/", "root", nil},
		{"/exact", "exact", nil},
		{"/exact/", "prefix-exact", nil},
		{"/exactx", "prefix-exact", nil},
		{"/static/x.png", "nested-in-noregex", []string{".png"}},
		{"/static/x.PNG", "noregex-static", nil},
		{"/img/x.gif", "nested-gif", []string{".gif"}},
		{"/img/x.jpg", "regex-gif-jpg", []string{".jpg", "jpg"}},
		{"/img/a/b.jpg", "regex-gif-jpg", []string{".jpg", "jpg"}},
		{"/img/special/x.jpg", "regex-gif-jpg", []string{".jpg", "jpg"}},
		{"/img/special/x", "longer-prefix", nil},
		{"/x.PNG", "regex-png-nocase", []string{".PNG"}},
		{"/y/z.png", "regex-png-nocase", []string{".png"}},
		{"/a", "a", nil},
		{"/ab", "ab", nil},
		{"/abc", "ab", nil},
		{"/ax", "a", nil},
		{"/img", "root", nil},
		{"/@named", "root", nil},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			loc, caps := srv.FindLocation(tc.uri)
			if got := locName(loc); got != tc.want {
				t.Errorf("FindLocation(%q) = %q, want %q", tc.uri, got, tc.want)
			}
			if !reflect.DeepEqual(caps, tc.caps) {
				t.Errorf("captures = %q, want %q", caps, tc.caps)
			}
		})
	}
	if got := locName(srv.NamedLocation("named")); got != "named" {
		t.Errorf("NamedLocation(named) = %q", got)
	}
	if l := srv.NamedLocation("nosuch"); l != nil {
		t.Errorf("NamedLocation(nosuch) = %v, want nil", l.Pattern)
	}
}

func TestFindLocationRegexCaptures(t *testing.T) {
	dir := t.TempDir()
	file := writeConf(t, dir, `http { server { listen 127.0.0.1:1;
		location ~ ^/u/(\d+)/(\w+)$ { return 200 "u"; }
		location /none/ { }
	} }`)
	cfg, _, err := Load(file, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := cfg.HTTP.Servers[0]
	loc, caps := srv.FindLocation("/u/42/bob")
	if locName(loc) != "u" || !reflect.DeepEqual(caps, []string{"/u/42/bob", "42", "bob"}) {
		t.Errorf("got %q %q", locName(loc), caps)
	}
	if loc, _ := srv.FindLocation("/elsewhere"); loc != nil {
		t.Errorf("FindLocation(/elsewhere) = %q, want nil", loc.Pattern)
	}
}

func TestFindServer(t *testing.T) {
	dir := t.TempDir()
	file := writeConf(t, dir, `http {
		server { listen 127.0.0.1:1; return 200 "first"; }
		server { listen 127.0.0.1:1; server_name example.com; return 200 "exact"; }
		server { listen 127.0.0.1:1; server_name *.example.com; return 200 "star"; }
		server { listen 127.0.0.1:1; server_name *.a.example.com; return 200 "longer-star"; }
		server { listen 127.0.0.1:1; server_name www.example.*; return 200 "suffix"; }
		server { listen 127.0.0.1:1 default_server; server_name ~^(?<n>api\d+)\.test$; return 200 "regex"; }
		server { listen 127.0.0.1:1; server_name .both.org; return 200 "both"; }
		server { listen 127.0.0.2:1; return 200 "other-addr"; }
	}`)
	cfg, _, err := Load(file, "")
	if err != nil {
		t.Fatal(err)
	}
	name := func(s *Server) string {
		if s == nil {
			return "<nil>"
		}
		return s.Rewrites[0].Text
	}
	tests := []struct{ addr, host, want string }{
		{"127.0.0.1:1", "example.com", "exact"},
		{"127.0.0.1:1", "EXAMPLE.com:8080", "exact"},
		{"127.0.0.1:1", "example.com.", "exact"},
		{"127.0.0.1:1", "x.example.com", "star"},
		{"127.0.0.1:1", "b.a.example.com", "longer-star"},
		{"127.0.0.1:1", "www.example.com", "star"}, // *.name beats name.*
		{"127.0.0.1:1", "www.example.org", "suffix"},
		{"127.0.0.1:1", "api7.test", "regex"},
		{"127.0.0.1:1", "both.org", "both"},
		{"127.0.0.1:1", "x.both.org", "both"},
		{"127.0.0.1:1", "unknown", "regex"}, // default_server
		{"127.0.0.1:1", "", "first"},        // the empty name of the first server
		{"127.0.0.2:1", "example.com", "other-addr"},
		{"127.0.0.3:1", "example.com", "<nil>"},
	}
	for _, tc := range tests {
		if got := name(cfg.HTTP.FindServer(tc.addr, tc.host)); got != tc.want {
			t.Errorf("FindServer(%q, %q) = %q, want %q", tc.addr, tc.host, got, tc.want)
		}
	}
	addrs := cfg.HTTP.ListenAddrs()
	if len(addrs) != 2 || addrs[0].Addr != "127.0.0.1:1" || !addrs[0].Default || addrs[1].Addr != "127.0.0.2:1" {
		t.Errorf("ListenAddrs = %+v", addrs)
	}
}
