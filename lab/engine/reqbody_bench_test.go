package engine

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// BenchmarkChunkedUpload sends a 16 MiB chunked request body (32 KiB
// chunks) that content_by_lua reads with ngx.req.read_body: past
// client_body_buffer_size the body goes to its temp file as it arrives,
// so the worker neither holds it in memory nor copies it as it grows.
// The figure includes the client's work (it runs in the same process).
func BenchmarkChunkedUpload(b *testing.B) {
	_, base, _ := startEngine(b, 1, `
    client_max_body_size 0;
    server {
        listen 127.0.0.1:{{PORT}};
        location = /up { content_by_lua_block { ngx.req.read_body() ngx.say(ngx.var.content_length) } }
    }`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	const size, chunk = 16 << 20, 32 << 10
	data := make([]byte, chunk)
	b.SetBytes(size)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(c, 64<<10)
		fmt.Fprintf(w, "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
		for sent := 0; sent < size; sent += chunk {
			fmt.Fprintf(w, "%x\r\n", chunk)
			w.Write(data)
			w.WriteString("\r\n")
		}
		w.WriteString("0\r\n\r\n")
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		resp, err := io.ReadAll(c)
		c.Close()
		if err != nil || !strings.Contains(string(resp), fmt.Sprint(size)) {
			b.Fatalf("response %q, %v", resp, err)
		}
	}
}
