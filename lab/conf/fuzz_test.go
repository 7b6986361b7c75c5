package conf

import (
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary configuration text to the loader: it must
// return a config or an error, never panic.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"events {} http { server { listen 8080; location / { content_by_lua_block { ngx.say('}') } } } }",
		"http { include *.conf; }",
		"events{}http{server{location ~ (a {}}}}",
		"events{}http{ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers 'EECDH+AESGCM:!aNULL:-MD5:+SHA'; server{listen 127.0.0.1:1 ssl http2; ssl on; ssl_session_cache builtin:10 shared:S:1m; ssl_session_tickets off; ssl_certificate_by_lua_block { local ssl = require 'ngx.ssl' } }}",
		"events{}http{gzip on; gzip_types text/plain *; gzip_min_length 1k; gzip_comp_level 9; gzip_http_version 1.0; gzip_vary on; gzip_proxied expired no-cache auth; server{gzip off;}}",
		"events{}http{server_rewrite_by_lua_block { ngx.ctx.a = '{' } server{server_rewrite_by_lua_file lua/s.lua; listen 8080;}}",
		"events{}http{log_format f escape=json '$a' \"${b}\"; access_log logs/a.log f buffer=4k flush=1s if=$c; server{access_log off; location ~ ^/(x) { content_by_lua_file lua/$1.lua; }}}",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src string) {
		cfg, _, err := LoadSource(filepath.Join(dir, "nginx.conf"), []byte(src), dir)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
		if cfg != nil && cfg.HTTP != nil {
			for _, s := range cfg.HTTP.Servers {
				s.FindLocation("/a/b.png")
				cfg.HTTP.FindServer("0.0.0.0:80", "x")
			}
		}
	})
}

// FuzzCipherSuites reads arbitrary OpenSSL cipher lists: a list of Go's
// suites or none, never a panic.
func FuzzCipherSuites(f *testing.F) {
	for _, s := range []string{"HIGH:!aNULL:!MD5", "EECDH+AESGCM:EDH+AESGCM", "+SHA:-ALL:!", "ECDHE-RSA-AES128-GCM-SHA256 @STRENGTH", "::+:-:!:@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		ids, _ := CipherSuites(list)
		seen := map[uint16]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%q: suite %#x twice", list, id)
			}
			seen[id] = true
		}
		_, _ = cipherSuites(list)
	})
}
