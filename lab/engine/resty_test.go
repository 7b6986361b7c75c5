package engine

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/testserver"
)

// startLabServices starts the lab's upstream services (Redis, HTTP, TCP)
// for one test.
func startLabServices(t *testing.T) *testserver.Services {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	svc, err := testserver.Start(ctx, testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("testserver: %v", err)
		}
	})
	return svc
}

// labConf replaces {{NAME_HOST}} and {{NAME_PORT}} for each service
// (REDIS, HTTP, ...) by its lab host name and port.
func labConf(t *testing.T, svc *testserver.Services, src string) string {
	t.Helper()
	hosts := map[string]string{}
	for host, addr := range svc.HostMap() {
		hosts[addr] = host
	}
	for name, addr := range svc.Addrs() {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		key := strings.ToUpper(name)
		src = strings.ReplaceAll(src, "{{"+key+"_HOST}}", hosts[addr])
		src = strings.ReplaceAll(src, "{{"+key+"_PORT}}", port)
	}
	return src
}

// writeLua writes a module under the prefix's lua/ folder (the default
// package path), for the handlers to require.
func writeLua(t *testing.T, prefix, name, src string) {
	t.Helper()
	dir := filepath.Join(prefix, "lua")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".lua"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

type pathCase struct{ path, want string }

func checkPaths(t *testing.T, base string, cases []pathCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			if st, body := get(t, base+tc.path); st != 200 || body != tc.want {
				t.Errorf("GET %s: %d %q\nwant 200 %q", tc.path, st, body, tc.want)
			}
		})
	}
}

// TestRestyRedis runs resty.redis against the lab's Redis (miniredis with
// the lesson data): replies of every type, errors as false/nil, pipelines,
// the generic command methods, pub/sub and the connection pool.
func TestRestyRedis(t *testing.T) {
	svc := startLabServices(t)
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { require("redis_cases")[ngx.var.uri:sub(2)]() } }
    }`, Options{Hosts: svc.HostMap()})
	writeLua(t, prefix, "redis_cases", labConf(t, svc, `
local redis = require "resty.redis"

local function conn()
    local red = redis:new()
    red:set_timeouts(1000, 1000, 1000)
    local ok, err = red:connect("{{REDIS_HOST}}", {{REDIS_PORT}})
    if not ok then
        error("connect: " .. tostring(err))
    end
    return red
end

local function show(...)
    local t = {}
    for i = 1, select("#", ...) do
        local v = select(i, ...)
        if v == ngx.null then v = "null" end
        t[i] = tostring(v)
    end
    ngx.say(table.concat(t, " "))
end

local C = {}

function C.get()
    local red = conn()
    show(red:get("greeting"))
    show(red:get("user:1:name"))
    show(red:get("no:such:key"))
    red:close()
end

function C.setget()
    local red = conn()
    show(red:set("lab:k", "v1"))
    show(red:get("lab:k"))
    show(red:set("lab:n", 12.5))
    show(red:get("lab:n"))
    show(red:del("lab:k", "lab:n", "lab:none"))
    show(red:expire("greeting", 100))
    show(red:expire("no:such:key", 100))
end

function C.incr()
    local red = conn()
    show(red:incr("counter:hits"))
    show(red:incr("counter:hits"))
end

function C.hash()
    local red = conn()
    show(red:hget("user:1", "name"))
    show(red:hget("user:1", "none"))
    show(red:hset("user:1", "lang", "go"))
    show(red:hset("user:1", "born", 1815))
    local all = red:array_to_hash(red:hgetall("user:1"))
    local keys = {}
    for k in pairs(all) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do ngx.print(k, "=", all[k], " ") end
    ngx.say()
    show(red:hmset("h:t", {a = "1"}))
    local vals = red:hmget("h:t", {"a", "b"})
    show(vals[1], vals[2])
end

function C.list()
    local red = conn()
    show(table.concat(red:lrange("queue:jobs", 0, -1), ","))
    show(red:lpush("queue:jobs", "new:job"))
    show(table.concat(red:lrange("queue:jobs", 0, 1), ","))
    show(red:publish("lab:news", "hello"))
end

function C.errors()
    local red = conn()
    show(red:incr("greeting"))                  -- error reply: false, err
    show(red:lpush("greeting", "x"))
    show(red:get("greeting"))                   -- the connection still works
    show(red:nosuchcommand("x"))
    red:close()
    show(red:get("greeting"))                   -- nil, "closed"
    show(red:set_keepalive())
    show(red:close())
end

function C.generic()
    local red = conn()
    show(red:strlen("greeting"))                -- any name is a command
    show(red:exists("greeting", "lesson:current", "none"))
    show(red:getrange("greeting", 0, 4))
    show(red.get == red.get, type(red.zadd))
end

function C.pipeline()
    local red = conn()
    red:init_pipeline()
    red:set("p:a", "1")
    red:incr("p:a")
    red:get("p:a")
    red:hget("greeting", "x")                   -- WRONGTYPE inside the pipeline
    red:get("p:none")
    local res, err = red:commit_pipeline()
    show(#res, err)
    show(res[1], res[2], res[3], res[4][1], res[4][2]:sub(1, 9), res[5])
    show(red:commit_pipeline())                 -- no pipeline any more
    red:init_pipeline()
    red:set("p:b", "x")
    red:cancel_pipeline()
    show(red:get("p:b"))
end

function C.keepalive()
    local red = conn()
    local n = red:get_reused_times()
    show(red:get("lesson:current"))
    show(red:set_keepalive(10000, 10))
    ngx.say("reused ", n > 0)
end

function C.pubsub()
    local sub, pub = conn(), conn()
    local res = sub:subscribe("lab:chan")
    show(res[1], res[2], res[3])
    show(sub:get("greeting"))                   -- not allowed while subscribed
    show(sub:set_keepalive())
    show(pub:publish("lab:chan", "ping"))
    res = sub:read_reply()
    show(res[1], res[2], res[3])
    res = sub:unsubscribe("lab:chan")
    show(res[1], res[2], res[3])
    show(sub:read_reply())
    show(sub:get("lesson:current"))
end

return C
`))
	checkPaths(t, base, []pathCase{
		{"/get", "hello from redis.lab nil\nAda nil\nnull nil\n"},
		{"/setget", "OK nil\nv1 nil\nOK nil\n12.5 nil\n2 nil\n1 nil\n0 nil\n"},
		{"/incr", "42 nil\n43 nil\n"},
		{"/hash", "Ada nil\nnull nil\n0 nil\n1 nil\nborn=1815 city=London lang=go name=Ada \nOK nil\n1 null\n"},
		{"/list", "resize:cat.png,resize:dog.png,mail:welcome\n4 nil\nnew:job,resize:cat.png\n0 nil\n"},
		{"/errors", "false ERR value is not an integer or out of range\n" +
			"false WRONGTYPE Operation against a key holding the wrong kind of value\n" +
			"hello from redis.lab nil\n" +
			"false ERR unknown command `nosuchcommand`, with args beginning with: `x`, \n" +
			"nil closed\nnil closed\nnil closed\n"},
		{"/generic", "20 nil\n2 nil\nhello nil\ntrue function\n"},
		{"/pipeline", "5 nil\nOK 2 2 false WRONGTYPE null\nnil no pipeline\nnull nil\n"},
		{"/keepalive", "cosockets nil\n1\nreused false\n"},
		{"/keepalive", "cosockets nil\n1\nreused true\n"},
		{"/pubsub", "subscribe lab:chan 1\nnil subscribed state\nnil subscribed state\n1 nil\n" +
			"message lab:chan ping\nunsubscribe lab:chan 0\nnil not subscribed\ncosockets nil\n"},
	})
}

// TestRestyHTTP runs resty.http's request_uri against httpbin.lab.
func TestRestyHTTP(t *testing.T) {
	svc := startLabServices(t)
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block { require("http_cases")[ngx.var.uri:sub(2)]() } }
    }`, Options{Hosts: svc.HostMap()})
	writeLua(t, prefix, "http_cases", labConf(t, svc, `
local http = require "resty.http"
local cjson = require "cjson"
local base = "http://{{HTTP_HOST}}:{{HTTP_PORT}}"

local C = {}

function C.echo()
    local httpc = http.new()
    local res, err = httpc:request_uri(base .. "/echo/x?a=1", {
        method = "POST", body = "hello", headers = { ["X-Lab"] = "yes" },
    })
    if not res then ngx.say("err ", err) return end
    local d = cjson.decode(res.body)
    ngx.say(res.status, " ", d.method, " ", d.path, " ", d.args.a, " ", d.body)
    ngx.say(d.headers["X-Lab"], " ", d.headers["Content-Length"], " ", d.headers["Host"] == "{{HTTP_HOST}}:{{HTTP_PORT}}")
    ngx.say(res.headers["content-type"], " | ", res.headers["Content-Type"], " | ", res.headers.content_type)
    res = assert(httpc:request_uri(base .. "/echo", { query = { q = "a b" } }))
    d = cjson.decode(res.body)
    ngx.say(d.method, " ", d.uri)
end

function C.status()
    local res = assert(http.new():request_uri(base .. "/status/418"))
    ngx.say(res.status, " ", cjson.decode(res.body).status)
    res = assert(http.new():request_uri(base .. "/status/204"))
    ngx.say(res.status, " [", res.body, "]")
end

function C.json()
    local res = assert(http.new():request_uri(base .. "/json"))
    local d = cjson.decode(res.body)
    ngx.say(res.status, " ", d.lab, " ", #d.lessons, " ", d.lessons[2].title, " ", tostring(d.nothing == cjson.null))
end

function C.keepalive()
    local httpc = http.new()
    local res = assert(httpc:request_uri(base .. "/echo", { keepalive_timeout = 10000, keepalive_pool = 5 }))
    local again = http.new()
    assert(again:connect("{{HTTP_HOST}}", {{HTTP_PORT}}))
    ngx.say("reused ", again:get_reused_times() > 0)
    res = assert(again:request({ path = "/status/201" }))
    ngx.say(res.status, " ", cjson.decode(res:read_body()).status)
    assert(again:set_keepalive())
    res = assert(http.new():request_uri(base .. "/echo", { keepalive = false }))
    local third = http.new()
    assert(third:connect("{{HTTP_HOST}}", {{HTTP_PORT}}))
    ngx.say("reused ", third:get_reused_times())
    third:close()
end

function C.errors()
    ngx.say(http.new():request_uri("https://{{HTTP_HOST}}/json"))
    ngx.say(http.new():request_uri("not a uri"))
    ngx.say(http.new():request_uri("http://127.0.0.1:1/"))
end

return C
`))
	checkPaths(t, base, []pathCase{
		{"/echo", "200 POST /echo/x 1 hello\nyes 5 true\napplication/json | application/json | application/json\nGET /echo?q=a%20b\n"},
		{"/status", "418 418\n204 []\n"},
		{"/json", "200 restylab 3 Cosockets true\n"},
		{"/keepalive", "reused true\n201 201\nreused 0\n"},
		{"/errors", "nilhttps not supported in the lab\nnilbad uri: not a uri\nnilconnection refused\n"},
	})
}

// TestRestyLock: two requests that take the same resty.lock run their
// critical sections one after the other; the second waits in ngx.sleep
// steps (so the worker keeps serving) and reports a nonzero elapsed time.
func TestRestyLock(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    lua_shared_dict locks 1m;
    lua_shared_dict state 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location /crit { content_by_lua_block {
            local lock = require "resty.lock"
            local l = assert(lock:new("locks"))
            local elapsed, err = l:lock("job")
            if not elapsed then ngx.say("err ", err) return end
            local inside = ngx.shared.state:incr("inside", 1, 0)
            ngx.sleep(0.2)
            ngx.shared.state:incr("inside", -1)
            assert(l:unlock())
            ngx.say(inside, " ", elapsed > 0)
        } }
        location /api { content_by_lua_block {
            local lock = require "resty.lock"
            ngx.say(lock:new("nope"))
            local a = lock:new("locks", { timeout = 0.05 })
            local b = lock:new("locks", { timeout = 0 })
            ngx.say(a:lock("k"))
            ngx.say(a:lock("other"))
            ngx.say(b:lock("k"))
            ngx.say(a:expire(10))
            ngx.say(a:unlock())
            ngx.say(a:unlock())
            ngx.say(a:expire())
            ngx.say(b:lock("k"))
            local c = lock:new("locks", { timeout = 0.05, step = 0.01 })
            local el, err = c:lock("k")
            ngx.say(el, " ", err)
            b:unlock()
        } }
    }`, Options{})
	var wg sync.WaitGroup
	bodies := make([]string, 2)
	start := time.Now()
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, bodies[i] = get(t, base+"/crit")
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	got := bodies[0] + bodies[1]
	if got != "1 false\n1 true\n" && got != "1 true\n1 false\n" {
		t.Errorf("bodies %q: want one holder at a time, one of them after waiting", bodies)
	}
	if wall < 400*time.Millisecond {
		t.Errorf("two 200ms critical sections took %v: they overlapped", wall)
	}
	checkPaths(t, base, []pathCase{
		{"/api", "nildictionary not found\n0\nnillocked\nniltimeout\ntrue\n1\nnilunlocked\nnilunlocked\n0\nnil timeout\n"},
	})
}

// TestRestyLrucacheTTL: an item expires after its ttl (by ngx.now, which
// ngx.sleep updates); get then returns nil plus the stale value.
func TestRestyLrucacheTTL(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local c = require("resty.lrucache").new(2)
            c:set("k", "v", 0.1, 9)
            ngx.say(c:get("k"))
            ngx.sleep(0.2)
            ngx.say(c:get("k"))
            c:set("a", 1) c:set("b", 2)
            ngx.say(c:count(), " ", tostring(c:get("k")), " ", c:capacity())
        } }
    }`, Options{})
	checkPaths(t, base, []pathCase{{"/", "vnil9\nnilv9\n2 nil 2\n"}})
}
