package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// luaHandlerBenches are the handlers of bench/run.sh's (a), (e) and (f)
// scenarios, by location.
var luaHandlerBenches = []struct{ name, body, want string }{
	{"hello", `ngx.say("hello")`, "hello\n"},
	{"table", `local t = {} for i = 1, 200 do t[i] = i end ngx.say(#t)`, "200\n"},
	{"string", `local p = {} for i = 1, 100 do p[i] = string.format("%d:%.2f", i, i / 7) .. "," .. i end
		ngx.say(table.concat(p, ";"))`, "1:0.14,1;2:0.29,2;"},
}

// BenchmarkLuaHandler measures a request to a content_by_lua handler
// through the real engine: one keep-alive connection, one request at a
// time (client and engine in one process: profile with -cpuprofile and
// read the worker's share).
func BenchmarkLuaHandler(b *testing.B) {
	var locs strings.Builder
	for _, h := range luaHandlerBenches {
		fmt.Fprintf(&locs, "location = /%s { content_by_lua_block { %s } }\n", h.name, h.body)
	}
	_, base, prefix := startEngine(b, 1, "keepalive_requests 1000000000;\naccess_log off;\nserver { listen 127.0.0.1:{{PORT}};\n"+locs.String()+"}", Options{})
	for _, h := range luaHandlerBenches {
		b.Run(h.name, func(b *testing.B) {
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET /" + h.name + " HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReaderSize(c, 64<<10)
			body := make([]byte, 0, 4096)
			get := func() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				n, chunked := -1, false
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						logs, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
						b.Fatalf("%v; error.log:\n%s", err, logs)
					}
					if len(line) <= 2 {
						break
					}
					low := bytes.ToLower(line)
					if v, ok := bytes.CutPrefix(low, []byte("content-length: ")); ok {
						n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
					}
					chunked = chunked || bytes.HasPrefix(low, []byte("transfer-encoding: chunked"))
				}
				body = body[:0]
				if !chunked {
					if n < 0 {
						b.Fatal("neither Content-Length nor chunked")
					}
					body = append(body, make([]byte, n)...)
					if _, err := io.ReadFull(br, body); err != nil {
						b.Fatal(err)
					}
					return
				}
				for { // chunk size line, data, CRLF; a 0 chunk then CRLF ends it
					line, err := br.ReadSlice('\n')
					if err != nil {
						b.Fatal(err)
					}
					size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 32)
					if err != nil {
						b.Fatalf("chunk size %q: %v", line, err)
					}
					start := len(body)
					body = append(body, make([]byte, size+2)...)
					if _, err := io.ReadFull(br, body[start:]); err != nil {
						b.Fatal(err)
					}
					body = body[:start+int(size)]
					if size == 0 {
						return
					}
				}
			}
			get()
			if !strings.HasPrefix(string(body), h.want) {
				b.Fatalf("GET /%s: %q, want a body starting with %q", h.name, body, h.want)
			}
			b.ResetTimer()
			for b.Loop() {
				get()
			}
		})
	}
}
