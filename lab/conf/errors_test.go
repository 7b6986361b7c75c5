package conf

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// head is prepended to every error case; load_module lines let the same
// file run on real nginx with ngx_lua.
const head = "load_module /usr/lib/nginx/modules/ndk_http_module.so;\n" +
	"load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\n" +
	"daemon off; pid PREFIX/nginx.pid; error_log PREFIX/error.log info; events {}\n"

// errorCases were each run through `nginx -t` (nginx 1.22.1, ngx_lua
// 0.10.23); want is the text after "[emerg] " with the directory as DIR.
// Line 4 is the first line after head.
var errorCases = []struct {
	name, body, want string
	notNginx         bool // our own message: nginx accepts the input or words it differently
}{
	{"unknown", "http { server { listen 127.0.0.1:1; foo; } }", `unknown directive "foo" in DIR/nginx.conf:4`, false},
	{"not allowed", "http { server { location / { listen 80; } } }", `"listen" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"set args", "http { server { listen 127.0.0.1:1; set $a; } }", `invalid number of arguments in "set" directive in DIR/nginx.conf:4`, false},
	{"unexpected brace", "http { server { listen 127.0.0.1:1; } } }", `unexpected "}" in DIR/nginx.conf:4`, false},
	{"eof in block", "http { server { listen 127.0.0.1:1; ", `unexpected end of file, expecting "}" in DIR/nginx.conf:5`, false},
	{"eof in directive", "http { server { listen 127.0.0.1:1", `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:5`, false},
	{"unterminated quote", "http { } \"}", `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:5`, false},
	{"duplicate location", "http { server { listen 127.0.0.1:1;\nlocation /a {}\nlocation /a {} } }", `duplicate location "/a" in DIR/nginx.conf:6`, false},
	{"duplicate exact", "http { server { listen 127.0.0.1:1; location = /a {} location = /a {} } }", `duplicate location "/a" in DIR/nginx.conf:4`, false},
	{"bad port", "http { server { listen 127.0.0.1:99999; } }", `invalid port in "127.0.0.1:99999" of the "listen" directive in DIR/nginx.conf:4`, false},
	{"port zero", "http { server { listen 0; } }", `invalid port in "0" of the "listen" directive in DIR/nginx.conf:4`, false},
	{"listen param", "http { server { listen 127.0.0.1:1 foo; } }", `invalid parameter "foo" in DIR/nginx.conf:4`, false},
	{"listen host", "http { server { listen nosuchhost.invalid:80; } }", `host not found in "nosuchhost.invalid:80" of the "listen" directive in DIR/nginx.conf:4`, false},
	{"duplicate default", "http { server { listen 127.0.0.1:1 default_server; } server { listen 127.0.0.1:1 default_server; } }", `a duplicate default server for 127.0.0.1:1 in DIR/nginx.conf:4`, false},
	{"duplicate listen", "http { server { listen 127.0.0.1:1; listen 127.0.0.1:1; } }", `a duplicate listen 127.0.0.1:1 in DIR/nginx.conf:4`, false},
	{"duplicate options", "http { server { listen 127.0.0.1:1 reuseport; } server { listen 127.0.0.1:1 reuseport; } }", `duplicate listen options for 127.0.0.1:1 in DIR/nginx.conf:4`, false},
	{"bad regex", `http { server { listen 127.0.0.1:1; location ~ "(" {} } }`, `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"unmatched paren", `http { server { listen 127.0.0.1:1; location ~ "a)" {} } }`, `pcre2_compile() failed: unmatched closing parenthesis in "a)" at ")" in DIR/nginx.conf:4`, false},
	{"bad class", `http { server { listen 127.0.0.1:1; location ~ "[a" {} } }`, `pcre2_compile() failed: missing terminating ] for character class in "[a" in DIR/nginx.conf:4`, false},
	{"bad quantifier", `http { server { listen 127.0.0.1:1; location ~ "*a" {} } }`, `pcre2_compile() failed: quantifier does not follow a repeatable item in "*a" at "*a" in DIR/nginx.conf:4`, false},
	{"bad rewrite regex", `http { server { listen 127.0.0.1:1; rewrite "(" /x; } }`, `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"bad server_name regex", `http { server { listen 127.0.0.1:1; server_name ~( ;} }`, `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"worker_processes value", "worker_processes -1; http {}", `"worker_processes" directive invalid value in DIR/nginx.conf:4`, false},
	{"worker_processes dup", "worker_processes 1; worker_processes 2;", `"worker_processes" directive is duplicate in DIR/nginx.conf:4`, false},
	{"worker_processes limit", "worker_processes 100;", `worker_processes 100 is outside the lab's range 1..8 in DIR/nginx.conf:4`, true},
	{"gzip flag", "http { gzip maybe; }", `invalid value "maybe" in "gzip" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"gzip_vary flag", "http { gzip_vary x; }", `invalid value "x" in "gzip_vary" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"gzip_comp_level range", "http { gzip_comp_level 10; }", `value must be between 1 and 9 in DIR/nginx.conf:4`, false},
	{"gzip_comp_level zero", "http { server { gzip_comp_level 0; } }", `value must be between 1 and 9 in DIR/nginx.conf:4`, false},
	{"gzip_comp_level number", "http { gzip_comp_level x; }", `"gzip_comp_level" directive invalid number in DIR/nginx.conf:4`, false},
	{"gzip_min_length value", "http { gzip_min_length x; }", `"gzip_min_length" directive invalid value in DIR/nginx.conf:4`, false},
	{"gzip_proxied value", "http { gzip_proxied any bogus; }", `invalid value "bogus" in DIR/nginx.conf:4`, false},
	{"gzip_http_version value", "http { gzip_http_version 2.0; }", `invalid value "2.0" in DIR/nginx.conf:4`, false},
	{"gzip dup", "http { gzip on;\ngzip off; }", `"gzip" directive is duplicate in DIR/nginx.conf:5`, false},
	{"gzip main", "gzip on;", `"gzip" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"header buffer size", "http { client_header_buffer_size 1x; }", `"client_header_buffer_size" directive invalid value in DIR/nginx.conf:4`, false},
	{"open_file_cache_valid", "http { open_file_cache_valid never; }", `"open_file_cache_valid" directive invalid value in DIR/nginx.conf:4`, false},
	{"hash size dup", "http { server_names_hash_bucket_size 64; server_names_hash_bucket_size 128; }", `"server_names_hash_bucket_size" directive is duplicate in DIR/nginx.conf:4`, false},
	{"worker_priority here", "http { worker_priority 5; }", `"worker_priority" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"fastcgi refused", "http { server { listen 127.0.0.1:1; location / { fastcgi_pass 127.0.0.1:9000; } } }", `"fastcgi_pass" directive is not supported in the lab: the lab has no FastCGI backends; use proxy_pass to a lab service, or content_by_lua* in DIR/nginx.conf:4`, true},
	{"stream refused", "stream { server { listen 1; } }", `"stream" directive is not supported in the lab: the lab serves HTTP only (no stream module); use an http server with content_by_lua* and ngx.req.socket(true) in DIR/nginx.conf:4`, true},
	{"thread_pool args", "thread_pool p;", `invalid number of arguments in "thread_pool" directive in DIR/nginx.conf:4`, false},
	{"thread_pool threads", "thread_pool p threads=0;", `invalid threads value "threads=0" in DIR/nginx.conf:4`, false},
	{"thread_pool max_queue", "thread_pool p threads=2 max_queue=x;", `invalid max_queue value "max_queue=x" in DIR/nginx.conf:4`, false},
	{"thread_pool no threads", "thread_pool p max_queue=3;", `"thread_pool" must have "threads" parameter in DIR/nginx.conf:4`, false},
	{"thread_pool dup", "thread_pool p threads=1;\nthread_pool p threads=2;", `duplicate thread pool "p" in DIR/nginx.conf:5`, false},
	{"thread_pool in http", "http { thread_pool p threads=1; }", `"thread_pool" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"dup default_type", "http { default_type a; default_type b; }", `"default_type" directive is duplicate in DIR/nginx.conf:4`, false},
	{"no opening brace", "http;", `directive "http" has no opening "{" in DIR/nginx.conf:4`, false},
	{"location no brace", "http { server { location / ; } }", `directive "location" has no opening "{" in DIR/nginx.conf:4`, false},
	{"stray semicolon", "http { server { ; } }", `unexpected ";" in DIR/nginx.conf:4`, false},
	{"not terminated", "http { server { return 200 {} } }", `directive "return" is not terminated by ";" in DIR/nginx.conf:4`, false},
	{"etag value", "http { etag maybe; }", `invalid value "maybe" in "etag" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"etag dup", "http { server { etag on; etag off; } }", `"etag" directive is duplicate in DIR/nginx.conf:4`, false},
	{"etag args", "http { etag on off; }", `invalid number of arguments in "etag" directive in DIR/nginx.conf:4`, false},
	{"if_modified_since value", "http { server { location / { if_modified_since after; } } }", `invalid value "after" in DIR/nginx.conf:4`, false},
	{"if_modified_since args", "http { if_modified_since; }", `invalid number of arguments in "if_modified_since" directive in DIR/nginx.conf:4`, false},
	{"max_ranges value", "http { max_ranges -1; }", `"max_ranges" directive invalid number in DIR/nginx.conf:4`, false},
	{"max_ranges dup", "http { max_ranges 1;\nmax_ranges 2; }", `"max_ranges" directive is duplicate in DIR/nginx.conf:5`, false},
	{"max_ranges main", "max_ranges 1;", `"max_ranges" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"charset args", "http { charset; }", `invalid number of arguments in "charset" directive in DIR/nginx.conf:4`, false},
	{"charset dup", "http { charset utf-8; charset koi8-r; }", `"charset" directive is duplicate in DIR/nginx.conf:4`, false},
	{"override_charset value", "http { override_charset yes; }", `invalid value "yes" in "override_charset" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"charset_map missing", "http { server { listen 127.0.0.1:1; location / { charset utf-8; source_charset koi8-r; } } }", `no "charset_map" between the charsets "koi8-r" and "utf-8"`, false},
	{"postpone_output value", "http { postpone_output 1x; }", `"postpone_output" directive invalid value in DIR/nginx.conf:4`, false},
	{"send_timeout value", "http { server { send_timeout forever; } }", `"send_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"client_body_timeout dup", "http { client_body_timeout 1s;\nclient_body_timeout 2s; }", `"client_body_timeout" directive is duplicate in DIR/nginx.conf:5`, false},
	{"lingering_timeout args", "http { lingering_timeout 1s 2s; }", `invalid number of arguments in "lingering_timeout" directive in DIR/nginx.conf:4`, false},
	{"lingering_close value", "http { lingering_close sometimes; }", `invalid value "sometimes" in DIR/nginx.conf:4`, false},
	{"temp_path level", "http { client_body_temp_path t 0; }", `"client_body_temp_path" directive invalid value in DIR/nginx.conf:4`, false},
	{"temp_path levels", "http { proxy_temp_path t 9 2; }", `"proxy_temp_path" directive invalid value in DIR/nginx.conf:4`, false},
	{"temp_path args", "http { scgi_temp_path t 1 1 1 1; }", `invalid number of arguments in "scgi_temp_path" directive in DIR/nginx.conf:4`, false},
	{"temp_path main", "uwsgi_temp_path t;", `"uwsgi_temp_path" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"keepalive_timeout header", "http { keepalive_timeout 10 x; }", `"keepalive_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"map args", "http { map $uri { } }", `invalid number of arguments in "map" directive in DIR/nginx.conf:4`, false},
	{"map var name", "http { map $uri x { } }", `invalid variable name "x" in DIR/nginx.conf:4`, false},
	{"map params", "http { map $uri $x {\na b c; } }", `invalid number of the map parameters in DIR/nginx.conf:5`, false},
	{"map default dup", "http { map $uri $x { default a;\ndefault b; } }", `duplicate default map parameter in DIR/nginx.conf:5`, false},
	{"map conflict", "http { map $uri $x { /a 1; /A 2; } }", `conflicting parameter "/a" in DIR/nginx.conf:4`, false},
	{"map in server", "http { server { map $uri $x { } } }", `"map" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"map regex", `http { map $uri $x { ~( 1; } }`, `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"map no brace", "http { map $uri $x; }", `directive "map" has no opening "{" in DIR/nginx.conf:4`, false},
	{"listen backlog zero", "http { server { listen 127.0.0.1:1 backlog=0; } }", `invalid backlog "backlog=0" in DIR/nginx.conf:4`, false},
	{"listen fastopen", "http { server { listen 127.0.0.1:1 fastopen=x; } }", `invalid fastopen "fastopen=x" in DIR/nginx.conf:4`, false},
	{"listen rcvbuf", "http { server { listen 127.0.0.1:1 rcvbuf=big; } }", `invalid rcvbuf "rcvbuf=big" in DIR/nginx.conf:4`, false},
	{"listen sndbuf", "http { server { listen 127.0.0.1:1 sndbuf=-1; } }", `invalid sndbuf "sndbuf=-1" in DIR/nginx.conf:4`, false},
	{"listen ipv6only", "http { server { listen [::1]:1 ipv6only=maybe; } }", `invalid parameter "ipv6only=maybe" in DIR/nginx.conf:4`, false},
	{"listen ipv6only flags", "http { server { listen [::1]:1 ipv6only=onn; } }", `invalid ipv6only flags "onn" in DIR/nginx.conf:4`, false},
	{"listen so_keepalive", "http { server { listen 127.0.0.1:1 so_keepalive=x; } }", `invalid so_keepalive value: "x" in DIR/nginx.conf:4`, false},
	{"listen so_keepalive empty", "http { server { listen 127.0.0.1:1 so_keepalive=::; } }", `invalid so_keepalive value: "::" in DIR/nginx.conf:4`, false},
	{"listen options twice", "http { server { listen 127.0.0.1:1 deferred; } server { listen 127.0.0.1:1 fastopen=3; } }", `duplicate listen options for 127.0.0.1:1 in DIR/nginx.conf:4`, false},
	{"quote then word", `http { default_type "a"b; }`, `unexpected "b" in DIR/nginx.conf:4`, false},
	{"dict size", "http { lua_shared_dict d 1x; }", `invalid lua shared dict size "1x" in DIR/nginx.conf:4`, false},
	{"dict small", "http { lua_shared_dict d 1; }", `invalid lua shared dict size "1" in DIR/nginx.conf:4`, false},
	{"dict args", "http { lua_shared_dict d; }", `invalid number of arguments in "lua_shared_dict" directive in DIR/nginx.conf:4`, false},
	{"dict dup", "http { lua_shared_dict d 1m; lua_shared_dict d 1m; }", `lua_shared_dict "d" is already defined as "d" in DIR/nginx.conf:4`, false},
	{"code cache", "http { lua_code_cache maybe; }", `invalid value "maybe" in "lua_code_cache" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"keepalive", "http { keepalive_timeout 1x; }", `"keepalive_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"header timeout", "http { client_header_timeout 1x; }", `"client_header_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"header timeout in location", "http { server { location / { client_header_timeout 1s; } } }", `"client_header_timeout" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"body size", "http { client_max_body_size 10.5m; }", `"client_max_body_size" directive invalid value in DIR/nginx.conf:4`, false},
	{"return code", "http { server { return abc; } }", `invalid return code "abc" in DIR/nginx.conf:4`, false},
	{"return args", "http { server { return 200 a b; } }", `invalid number of arguments in "return" directive in DIR/nginx.conf:4`, false},
	{"rewrite flag", "http { server { rewrite a b foo; } }", `invalid parameter "foo" in DIR/nginx.conf:4`, false},
	{"set name", "http { server { set a b; } }", `invalid variable name "a" in DIR/nginx.conf:4`, false},
	{"set_by_lua_block name", "http { server { set_by_lua_block a { return 1 } } }", `invalid variable name "a" in DIR/nginx.conf:4`, false},
	{"set_by_lua args", "http { server { set_by_lua $a; } }", `invalid number of arguments in "set_by_lua" directive in DIR/nginx.conf:4`, false},
	{"add_header always", "http { server { add_header a b c; } }", `invalid parameter "c" in DIR/nginx.conf:4`, false},
	{"inside exact", "http { server { location = /a { location /a/b {} } } }", `location "/a/b" cannot be inside the exact location "/a" in DIR/nginx.conf:4`, false},
	{"outside", "http { server { location /a { location /b {} } } }", `location "/b" is outside location "/a" in DIR/nginx.conf:4`, false},
	{"allow word", "http { server { listen 127.0.0.1:1; allow foo; } }", `invalid parameter "foo" in DIR/nginx.conf:4`, false},
	{"allow ALL", "http { server { listen 127.0.0.1:1; allow ALL; } }", `invalid parameter "ALL" in DIR/nginx.conf:4`, false},
	{"allow short v4", "http { server { listen 127.0.0.1:1; allow 1.2.3; } }", `invalid parameter "1.2.3" in DIR/nginx.conf:4`, false},
	{"allow v4 mask", "http { server { listen 127.0.0.1:1; allow 10.0.0.1/33; } }", `invalid parameter "10.0.0.1/33" in DIR/nginx.conf:4`, false},
	{"allow empty mask", "http { server { listen 127.0.0.1:1; allow 1.2.3.4/; } }", `invalid parameter "1.2.3.4/" in DIR/nginx.conf:4`, false},
	{"allow broadcast", "http { server { listen 127.0.0.1:1; allow 255.255.255.255; } }", `invalid parameter "255.255.255.255" in DIR/nginx.conf:4`, false},
	{"deny v6 mask", "http { server { listen 127.0.0.1:1; deny ::1/129; } }", `invalid parameter "::1/129" in DIR/nginx.conf:4`, false},
	{"deny unix path", "http { server { listen 127.0.0.1:1; deny unix:; deny unix:x; } }", `invalid parameter "unix:x" in DIR/nginx.conf:4`, false},
	{"deny args", "http { server { listen 127.0.0.1:1; deny; } }", `invalid number of arguments in "deny" directive in DIR/nginx.conf:4`, false},
	{"allow two args", "http { server { listen 127.0.0.1:1; allow 1.2.3.4 all; } }", `invalid number of arguments in "allow" directive in DIR/nginx.conf:4`, false},
	{"allow in main", "allow all;", `"allow" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"satisfy value", "http { server { listen 127.0.0.1:1; satisfy some; } }", `invalid value "some" in DIR/nginx.conf:4`, false},
	{"satisfy dup", "http { server { listen 127.0.0.1:1; satisfy any; satisfy all; } }", `"satisfy" directive is duplicate in DIR/nginx.conf:4`, false},
	{"error_page args", "http { server { listen 127.0.0.1:1; error_page 404; } }", `invalid number of arguments in "error_page" directive in DIR/nginx.conf:4`, false},
	{"error_page low", "http { server { listen 127.0.0.1:1; error_page 200 /x; } }", `value "200" must be between 300 and 599 in DIR/nginx.conf:4`, false},
	{"error_page high", "http { server { listen 127.0.0.1:1; error_page 404 600 /x; } }", `value "600" must be between 300 and 599 in DIR/nginx.conf:4`, false},
	{"error_page word", "http { server { listen 127.0.0.1:1; error_page abc /x; } }", `invalid value "abc" in DIR/nginx.conf:4`, false},
	{"error_page 499", "http { server { listen 127.0.0.1:1; error_page 499 /x; } }", `invalid value "499" in DIR/nginx.conf:4`, false},
	{"error_page bad overwrite", "http { server { listen 127.0.0.1:1; error_page 404 =abc /x; } }", `invalid value "=abc" in DIR/nginx.conf:4`, false},
	{"error_page no code", "http { server { listen 127.0.0.1:1; error_page =200 /x; } }", `invalid value "=200" in DIR/nginx.conf:4`, false},
	{"recursive_error_pages value", "http { server { listen 127.0.0.1:1; recursive_error_pages maybe; } }", `invalid value "maybe" in "recursive_error_pages" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"recursive_error_pages dup", "http { recursive_error_pages on; recursive_error_pages off; }", `"recursive_error_pages" directive is duplicate in DIR/nginx.conf:4`, false},
	{"internal in server", "http { server { listen 127.0.0.1:1; internal; } }", `"internal" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"internal dup", "http { server { listen 127.0.0.1:1; location / { internal; internal; } } }", `"internal" directive is duplicate in DIR/nginx.conf:4`, false},
	{"internal args", "http { server { listen 127.0.0.1:1; location / { internal 1; } } }", `invalid number of arguments in "internal" directive in DIR/nginx.conf:4`, false},
	{"try_files args", "http { server { listen 127.0.0.1:1; try_files $uri; } }", `invalid number of arguments in "try_files" directive in DIR/nginx.conf:4`, false},
	{"try_files code word", "http { server { listen 127.0.0.1:1; try_files $uri =abc; } }", `invalid code "=abc" in DIR/nginx.conf:4`, false},
	{"try_files code big", "http { server { listen 127.0.0.1:1; try_files $uri =1000; } }", `invalid code "=1000" in DIR/nginx.conf:4`, false},
	{"try_files code empty", "http { server { listen 127.0.0.1:1; try_files $uri =; } }", `invalid code "=" in DIR/nginx.conf:4`, false},
	{"try_files dup", "http { server { listen 127.0.0.1:1; try_files $uri /a; try_files $uri /b; } }", `"try_files" directive is duplicate in DIR/nginx.conf:4`, false},
	{"try_files in http", "http { try_files $uri /a; }", `"try_files" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"alias in server", "http { server { listen 127.0.0.1:1; alias /x; } }", `"alias" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"alias dup", "http { server { listen 127.0.0.1:1; location /a { alias /x; alias /y; } } }", `"alias" directive is duplicate in DIR/nginx.conf:4`, false},
	{"alias after root", "http { server { listen 127.0.0.1:1; location /a { root /x; alias /y; } } }", `"alias" directive is duplicate, "root" directive was specified earlier in DIR/nginx.conf:4`, false},
	{"root after alias", "http { server { listen 127.0.0.1:1; location /a { alias /y; root /x; } } }", `"root" directive is duplicate, "alias" directive was specified earlier in DIR/nginx.conf:4`, false},
	{"alias named", "http { server { listen 127.0.0.1:1; location @a { alias /y; } } }", `the "alias" directive cannot be used inside the named location in DIR/nginx.conf:4`, false},
	{"if no paren", "http { server { listen 127.0.0.1:1; if $a { } } }", `invalid condition "$a" in DIR/nginx.conf:4`, false},
	{"if no close", "http { server { listen 127.0.0.1:1; if ($a { } } }", `invalid condition "$a" in DIR/nginx.conf:4`, false},
	{"if operator", "http { server { listen 127.0.0.1:1; if ($a == b) { } } }", `unexpected "==" in condition in DIR/nginx.conf:4`, false},
	{"if word", "http { server { listen 127.0.0.1:1; if (abc) { } } }", `invalid condition "abc" in DIR/nginx.conf:4`, false},
	{"if file test", "http { server { listen 127.0.0.1:1; if (-z /x) { } } }", `invalid condition "-z" in DIR/nginx.conf:4`, false},
	{"if file args", "http { server { listen 127.0.0.1:1; if (-f /x /y) { } } }", `invalid condition "-f" in DIR/nginx.conf:4`, false},
	{"if var args", "http { server { listen 127.0.0.1:1; if ($a = b c) { } } }", `invalid condition "$a" in DIR/nginx.conf:4`, false},
	{"if regex", `http { server { listen 127.0.0.1:1; if ($uri ~ "(") { } } }`, `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"if no brace", "http { server { listen 127.0.0.1:1; if ($a); } }", `directive "if" has no opening "{" in DIR/nginx.conf:4`, false},
	{"if in if", "http { server { listen 127.0.0.1:1; location / { if ($a) { if ($b) { } } } } }", `"if" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"if in http", "http { if ($a) { } }", `"if" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"location in if", "http { server { listen 127.0.0.1:1; location / { if ($a) { location /b { } } } } }", `"location" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"root in server if", "http { server { listen 127.0.0.1:1; if ($a) { root /x; } } }", `"root" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"try_files in if", "http { server { listen 127.0.0.1:1; location / { if ($a) { try_files a b; } } } }", `"try_files" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"break args", "http { server { listen 127.0.0.1:1; break 1; } }", `invalid number of arguments in "break" directive in DIR/nginx.conf:4`, false},
	{"server_tokens value", "http { server_tokens maybe; }", `invalid value "maybe" in DIR/nginx.conf:4`, false},
	{"server_tokens dup", "http { server_tokens on; server_tokens off; }", `"server_tokens" directive is duplicate in DIR/nginx.conf:4`, false},
	{"valid_referers args", "http { server { listen 127.0.0.1:1; valid_referers; } }", `invalid number of arguments in "valid_referers" directive in DIR/nginx.conf:4`, false},
	{"valid_referers in http", "http { valid_referers none; }", `"valid_referers" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"valid_referers regex", "http { server { listen 127.0.0.1:1; valid_referers ~(; } }", `pcre2_compile() failed: missing closing parenthesis in "(" in DIR/nginx.conf:4`, false},
	{"valid_referers only none", "http { server { listen 127.0.0.1:1; valid_referers none blocked; } }", `the "none" or "blocked" referers are specified in the "valid_referers" directive without any valid referer`, false},
	{"nested named", "http { server { location /a { location @b {} } } }", `named location "@b" can be on the server level only in DIR/nginx.conf:4`, false},
	{"inside named", "http { server { location @a { location /b {} } } }", `location "/b" cannot be inside the named location "@a" in DIR/nginx.conf:4`, false},
	{"location modifier", "http { server { location zz /a {} } }", `invalid location modifier "zz" in DIR/nginx.conf:4`, false},
	{"location args", "http { server { location = /a /b {} } }", `invalid number of arguments in "location" directive in DIR/nginx.conf:4`, false},
	{"include missing", "http { include nosuch.conf; }", `open() "DIR/nosuch.conf" failed (2: No such file or directory) in DIR/nginx.conf:4`, false},
	{"content at server", "http { server { content_by_lua_block { } } }", `"content_by_lua_block" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"content dup", "http { server { location / { content_by_lua 'x'; content_by_lua 'y'; } } }", `"content_by_lua" directive is duplicate in DIR/nginx.conf:4`, false},
	{"content block dup", "http { server { location / { content_by_lua_block { } content_by_lua_block { } } } }", `is duplicate in DIR/nginx.conf:4`, false},
	{"lua block args", "http { server { location / { content_by_lua_block x { } } } }", `invalid number of arguments in "content_by_lua_block" directive in DIR/nginx.conf:4`, false},
	{"lua block eof", "http { init_by_lua_block { x = 1 ", `unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:4`, false},
	{"lua long bracket", "http { init_by_lua_block {\n --[==[ x\n ]] }\n", `Lua code block missing the closing long bracket "]==]", the inlined Lua code may be too long in DIR/nginx.conf:5`, false},
	{"lua block braces", "http { init_by_lua_block { x = 1 } } } }", `unexpected "}" in DIR/nginx.conf:4`, false},
	{"error_log level", "error_log a foo; http {}", `invalid log level "foo" in DIR/nginx.conf:4`, false},
	{"http dup", "http {} http {}", `"http" directive is duplicate in DIR/nginx.conf:4`, false},
	{"events dup", "events {} http {}", `"events" directive is duplicate in DIR/nginx.conf:4`, false},
	{"flag", "http { sendfile maybe; }", `invalid value "maybe" in "sendfile" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"file path bracket", "http { server { location / { content_by_lua_file lua/${x.lua; } } }", `the closing bracket in "x" variable is missing in DIR/nginx.conf:4`, false},
	{"file path bare dollar", "http { server { location / { access_by_lua_file lua/$.lua; } } }", `invalid variable name in DIR/nginx.conf:4`, false},
	{"set file path dollar", "http { server { location / { set_by_lua_file $v lua/$; } } }", `invalid variable name in DIR/nginx.conf:4`, false},
	{"log_format here", "http { server { log_format a x; } }", `"log_format" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"log_format args", "http { log_format a; }", `invalid number of arguments in "log_format" directive in DIR/nginx.conf:4`, false},
	{"log_format combined", "http { log_format combined x; }", `duplicate "log_format" name "combined" in DIR/nginx.conf:4`, false},
	{"log_format dup", "http { log_format a x;\nlog_format a y; }", `duplicate "log_format" name "a" in DIR/nginx.conf:5`, false},
	{"log_format escape", "http { log_format a escape=foo x; }", `unknown log format escaping "foo" in DIR/nginx.conf:4`, false},
	{"log_format bracket", "http { log_format a '${x'; }", `the closing bracket in "x" variable is missing in DIR/nginx.conf:4`, false},
	{"access_log format", "http { access_log logs/x.log nosuch; }", `unknown log format "nosuch" in DIR/nginx.conf:4`, false},
	{"access_log format later", "http { access_log logs/x.log f; log_format f x; }", `unknown log format "f" in DIR/nginx.conf:4`, false},
	{"access_log buffer", "http { access_log logs/x.log combined buffer=0; }", `invalid buffer size "0" in DIR/nginx.conf:4`, false},
	{"access_log buffer word", "http { access_log logs/x.log combined buffer=x; }", `invalid buffer size "x" in DIR/nginx.conf:4`, false},
	{"access_log off extra", "http { access_log off combined; }", `invalid parameter "combined" in DIR/nginx.conf:4`, false},
	{"access_log flush", "http { access_log logs/x.log combined flush=1s; }", `no buffer is defined for access_log "logs/x.log" in DIR/nginx.conf:4`, false},
	{"access_log flush zero", "http { access_log logs/x.log combined buffer=1k flush=0; }", `invalid flush time "0" in DIR/nginx.conf:4`, false},
	{"access_log param", "http { access_log logs/x.log combined foo=bar; }", `invalid parameter "foo=bar" in DIR/nginx.conf:4`, false},
	{"access_log args", "http { access_log; }", `invalid number of arguments in "access_log" directive in DIR/nginx.conf:4`, false},
	{"access_log main", "access_log logs/x.log; http { }", `"access_log" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"access_log gzip", "http { access_log logs/x.log combined gzip; }", `gzip access logs are not supported by the lab in DIR/nginx.conf:4`, true},
	{"access_log vars", "http { access_log logs/$host.log; }", `variables in the access_log path are not supported by the lab in DIR/nginx.conf:4`, true},
	{"need body args", "http { lua_need_request_body; }", `invalid number of arguments in "lua_need_request_body" directive in DIR/nginx.conf:4`, false},
	{"need body value", "http { lua_need_request_body maybe; }", `invalid value "maybe" in "lua_need_request_body" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"need body dup", "http { lua_need_request_body on; lua_need_request_body on; }", `"lua_need_request_body" directive is duplicate in DIR/nginx.conf:4`, false},
	{"regex cache number", "http { lua_regex_cache_max_entries x; }", `"lua_regex_cache_max_entries" directive invalid number in DIR/nginx.conf:4`, false},
	{"regex cache negative", "http { lua_regex_cache_max_entries -1; }", `"lua_regex_cache_max_entries" directive invalid number in DIR/nginx.conf:4`, false},
	{"regex cache here", "http { server { lua_regex_cache_max_entries 1; } }", `"lua_regex_cache_max_entries" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"regex cache dup", "http { lua_regex_cache_max_entries 1; lua_regex_cache_max_entries 2; }", `"lua_regex_cache_max_entries" directive is duplicate in DIR/nginx.conf:4`, false},
	{"match limit number", "http { lua_regex_match_limit x; }", `"lua_regex_match_limit" directive invalid number in DIR/nginx.conf:4`, false},
	{"match limit dup", "http { lua_regex_match_limit 1; lua_regex_match_limit 2; }", `"lua_regex_match_limit" directive is duplicate in DIR/nginx.conf:4`, false},
	{"pending timers number", "http { lua_max_pending_timers x; }", `"lua_max_pending_timers" directive invalid number in DIR/nginx.conf:4`, false},
	{"no postpone here", "http { server { rewrite_by_lua_no_postpone on; } }", `"rewrite_by_lua_no_postpone" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"no postpone value", "http { access_by_lua_no_postpone yes; }", `invalid value "yes" in "access_by_lua_no_postpone" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"no postpone dup", "http { rewrite_by_lua_no_postpone on; rewrite_by_lua_no_postpone on; }", `"rewrite_by_lua_no_postpone" directive is duplicate in DIR/nginx.conf:4`, false},
	{"http10 args", "http { server { location / { lua_http10_buffering; } } }", `invalid number of arguments in "lua_http10_buffering" directive in DIR/nginx.conf:4`, false},
	{"socket log value", "http { lua_socket_log_errors 1; }", `invalid value "1" in "lua_socket_log_errors" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"underscores value", "http { lua_transform_underscores_in_response_headers x; }", `invalid value "x" in "lua_transform_underscores_in_response_headers" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"malloc trim number", "http { lua_malloc_trim x; }", `"lua_malloc_trim" directive invalid number in the 1st argument in DIR/nginx.conf:4`, false},
	{"malloc trim here", "http { server { lua_malloc_trim 1; } }", `"lua_malloc_trim" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"cache levels", "http { proxy_cache_path c levels=1:3 keys_zone=a:10m; }", `invalid "levels" "levels=1:3" in DIR/nginx.conf:4`, false},
	{"cache levels deep", "http { proxy_cache_path c levels=1:2:2:2 keys_zone=a:10m; }", `invalid "levels" "levels=1:2:2:2" in DIR/nginx.conf:4`, false},
	{"cache zone size", "http { proxy_cache_path c keys_zone=a; }", `invalid keys zone size "keys_zone=a" in DIR/nginx.conf:4`, false},
	{"cache zone small", "http { proxy_cache_path c keys_zone=a:1k; }", `keys zone "keys_zone=a:1k" is too small in DIR/nginx.conf:4`, false},
	{"cache inactive", "http { proxy_cache_path c keys_zone=a:10m inactive=x; }", `invalid inactive value "inactive=x" in DIR/nginx.conf:4`, false},
	{"cache max_size", "http { proxy_cache_path c keys_zone=a:10m max_size=x; }", `invalid max_size value "max_size=x" in DIR/nginx.conf:4`, false},
	{"cache temp path", "http { proxy_cache_path c keys_zone=a:10m use_temp_path=x; }", `invalid use_temp_path value "use_temp_path=x", it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"cache path param", "http { proxy_cache_path c keys_zone=a:10m foo=1; }", `invalid parameter "foo=1" in DIR/nginx.conf:4`, false},
	{"cache no zone", "http { proxy_cache_path c inactive=1m; }", `"proxy_cache_path" must have "keys_zone" parameter in DIR/nginx.conf:4`, false},
	{"cache path args", "http { proxy_cache_path c; }", `invalid number of arguments in "proxy_cache_path" directive in DIR/nginx.conf:4`, false},
	{"cache dup zone", "http { proxy_cache_path c keys_zone=a:10m; proxy_cache_path d keys_zone=a:10m; }", `duplicate zone "a" in DIR/nginx.conf:4`, false},
	{"cache same path", "http { proxy_cache_path c keys_zone=a:10m;\nproxy_cache_path c/ keys_zone=b:10m; }", `the same path name "DIR/c" used in DIR/nginx.conf:4 and in DIR/nginx.conf:5`, false},
	{"cache path here", "http { server { proxy_cache_path c keys_zone=a:10m; } }", `"proxy_cache_path" directive is not allowed here in DIR/nginx.conf:4`, false},
	{"cache unknown zone", "http { server { listen 127.0.0.1:1;\nlocation / { proxy_pass http://127.0.0.1:2;\nproxy_cache nope; } }\n}", `"proxy_cache" zone "nope" is unknown in DIR/nginx.conf:7`, false},
	{"cache dup", "http { proxy_cache_path c keys_zone=a:10m; server { listen 127.0.0.1:1; location / { proxy_cache a; proxy_cache off; } } }", `"proxy_cache" directive is duplicate in DIR/nginx.conf:4`, false},
	{"cache valid time", "http { proxy_cache_valid 200 xx; }", `invalid time value "xx" in DIR/nginx.conf:4`, false},
	{"cache valid status", "http { proxy_cache_valid 99 1m; }", `invalid status "99" in DIR/nginx.conf:4`, false},
	{"cache valid word", "http { proxy_cache_valid abc 1m; }", `invalid status "abc" in DIR/nginx.conf:4`, false},
	{"cache methods", "http { proxy_cache_methods PUT; }", `invalid value "PUT" in DIR/nginx.conf:4`, false},
	{"cache min uses", "http { proxy_cache_min_uses x; }", `"proxy_cache_min_uses" directive invalid number in DIR/nginx.conf:4`, false},
	{"cache key dup", "http { proxy_cache_key a; proxy_cache_key b; }", `"proxy_cache_key" directive is duplicate in DIR/nginx.conf:4`, false},
	{"cache key args", "http { proxy_cache_key; }", `invalid number of arguments in "proxy_cache_key" directive in DIR/nginx.conf:4`, false},
	{"cache bypass args", "http { proxy_cache_bypass; }", `invalid number of arguments in "proxy_cache_bypass" directive in DIR/nginx.conf:4`, false},
	{"cache lock flag", "http { proxy_cache_lock maybe; }", `invalid value "maybe" in "proxy_cache_lock" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"cache lock timeout", "http { proxy_cache_lock_timeout x; }", `"proxy_cache_lock_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"cache use stale", "http { proxy_cache_use_stale foo; }", `invalid value "foo" in DIR/nginx.conf:4`, false},
	{"cache revalidate", "http { proxy_cache_revalidate x; }", `invalid value "x" in "proxy_cache_revalidate" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"cache background", "http { proxy_cache_background_update x; }", `invalid value "x" in "proxy_cache_background_update" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"ignore headers", "http { proxy_ignore_headers Foo; }", `invalid value "Foo" in DIR/nginx.conf:4`, false},
	{"ignore headers args", "http { proxy_ignore_headers; }", `invalid number of arguments in "proxy_ignore_headers" directive in DIR/nginx.conf:4`, false},
	{"hide header args", "http { proxy_hide_header a b; }", `invalid number of arguments in "proxy_hide_header" directive in DIR/nginx.conf:4`, false},
	{"pass header args", "http { proxy_pass_header; }", `invalid number of arguments in "proxy_pass_header" directive in DIR/nginx.conf:4`, false},
	{"intercept flag", "http { proxy_intercept_errors x; }", `invalid value "x" in "proxy_intercept_errors" directive, it must be "on" or "off" in DIR/nginx.conf:4`, false},
	{"resolver args", "http { resolver; }", `invalid number of arguments in "resolver" directive in DIR/nginx.conf:4`, false},
	{"resolver valid", "http { resolver 127.0.0.1 valid=x; }", `invalid parameter: valid=x in DIR/nginx.conf:4`, false},
	{"resolver ipv6", "http { resolver 127.0.0.1 ipv6=x; }", `invalid parameter: ipv6=x in DIR/nginx.conf:4`, false},
	{"resolver port", "http { resolver 127.0.0.1:99999; }", `invalid port in resolver "127.0.0.1:99999" in DIR/nginx.conf:4`, false},
	{"resolver dup", "http { resolver 127.0.0.1; resolver 127.0.0.2; }", `"resolver" directive is duplicate in DIR/nginx.conf:4`, false},
	{"resolver name", "http { resolver nosuch.invalid; }", `host not found in resolver "nosuch.invalid" (the lab resolves no names: give an IP address) in DIR/nginx.conf:4`, true},
	{"resolver timeout", "http { resolver_timeout x; }", `"resolver_timeout" directive invalid value in DIR/nginx.conf:4`, false},
	{"first error wins", "http { foo; server { listen 0; } ", `unknown directive "foo" in DIR/nginx.conf:4`, false},
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeConf(t, dir, tc.body)
			_, _, err := Load(file, "")
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", tc.want)
			}
			got := strings.ReplaceAll(err.Error(), dir, "DIR")
			if got != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// TestLoadErrorsMatchNginx runs every case through the real `nginx -t`
// when it is installed, so the expectations above stay true to nginx.
func TestLoadErrorsMatchNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx not installed")
	}
	if _, err := os.Stat("/usr/lib/nginx/modules/ngx_http_lua_module.so"); err != nil {
		t.Skip("ngx_lua not installed")
	}
	emerg := regexp.MustCompile(`\[emerg\] [0-9#]+: (.*)`)
	for _, tc := range errorCases {
		if tc.notNginx {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeConf(t, dir, tc.body)
			out, _ := exec.Command("nginx", "-t", "-p", dir, "-c", file).CombinedOutput()
			m := emerg.FindSubmatch(out)
			if m == nil {
				t.Fatalf("nginx printed no [emerg]:\n%s", out)
			}
			if got := strings.ReplaceAll(string(m[1]), dir, "DIR"); got != tc.want {
				t.Errorf("nginx says\n %s\nthe test wants\n %s", got, tc.want)
			}
		})
	}
}

// writeConf writes head+body as DIR/nginx.conf and returns its path.
func writeConf(t *testing.T, dir, body string) string {
	t.Helper()
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(head, "PREFIX", dir)+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
