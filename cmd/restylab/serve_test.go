package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServe runs `restylab serve` as a classroom would: the page loads, a
// workspace whose Lua talks to redis.lab through resty.redis is applied,
// the request reaches the lab's own Redis, and SIGTERM stops everything.
func TestServe(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address line: %v; stderr %s", err, stderr.String())
	}
	m := regexp.MustCompile(`http://(\S+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("address line %q", line)
	}
	base := "http://" + m[1]
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}

	resp, err := c.Get(base + "/play")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`id="boot"`)) {
		t.Fatalf("/play: %d", resp.StatusCode)
	}
	conf := `events {}
http {
    server {
        listen 8080;
        location / {
            content_by_lua_block {
                local redis = require "resty.redis"
                local red = redis:new()
                red:set_timeout(1000)
                local ok, err = red:connect("redis.lab", 6379)
                if not ok then ngx.say("connect: ", err) return end
                red:set("restylab:serve", "from redis.lab")
                local v = red:get("restylab:serve")
                ngx.say(v)
                red:set_keepalive()
            }
        }
    }
}
`
	post := func(path string, v any) map[string]any {
		t.Helper()
		data, _ := json.Marshal(v)
		resp, err := c.Post(base+path, "application/json", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		return out
	}
	if res := post("/api/apply", map[string]any{"conf": conf}); res["ok"] != true {
		t.Fatalf("apply: %v", res)
	}
	sent := post("/api/send", map[string]any{"path": "/"})
	if sent["status"] != 200.0 || sent["body"] != "from redis.lab\n" {
		t.Fatalf("send: %v", sent)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v; stderr %s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}
