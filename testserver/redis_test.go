package testserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/restylab/restylab/testserver/labca"
)

// respClient is a tiny RESP client for the tests.
type respClient struct {
	c net.Conn
	r *bufio.Reader
}

func newResp(t *testing.T, addr string) *respClient {
	c := dial(t, addr)
	return &respClient{c: c, r: bufio.NewReader(c)}
}

// do sends a command and returns its reply: string for simple and bulk
// strings, int64, nil, []any for arrays, error for error replies.
func (rc *respClient) do(t *testing.T, args ...string) any {
	t.Helper()
	req := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		req += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write([]byte(req)); err != nil {
		t.Fatalf("write %v: %v", args, err)
	}
	v, err := respRead(rc.r)
	if err != nil {
		t.Fatalf("reply to %v: %v", args, err)
	}
	return v
}

func respRead(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("bad RESP line %q", line)
	}
	kind, rest := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return rest, nil
	case '-':
		return fmt.Errorf("%s", rest), nil
	case ':':
		return strconv.ParseInt(rest, 10, 64)
	case '$':
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = respRead(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown RESP type %q", kind)
}

// strs converts an array reply to strings.
func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, len(arr))
	for i, e := range arr {
		out[i], _ = e.(string)
	}
	return out
}

func TestRedisSeed(t *testing.T) {
	s := start(t, Config{})
	c := newResp(t, s.HostMap()["redis.lab"])
	for _, k := range RedisSeed() {
		t.Run(k.Key, func(t *testing.T) {
			if got := c.do(t, "TYPE", k.Key); got != k.Type {
				t.Errorf("TYPE %s = %v, want %s", k.Key, got, k.Type)
			}
			var got any
			want := k.Vals
			switch k.Type {
			case "string":
				got = []string{fmt.Sprint(c.do(t, "GET", k.Key))}
			case "hash":
				// HGETALL's order is not fixed: compare sorted pairs.
				got = sortedPairs(strs(c.do(t, "HGETALL", k.Key)))
				want = sortedPairs(k.Vals)
			case "list":
				got = strs(c.do(t, "LRANGE", k.Key, "0", "-1"))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %q, want %q", k.Key, got, want)
			}
		})
	}
}

// TestRedisCertificates: redis.lab holds the lab's certificates under
// cert:NAME and key:NAME, those of the CA the services were given.
func TestRedisCertificates(t *testing.T) {
	ca, err := labca.New()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{CA: ca})
	c := newResp(t, s.HostMap()["redis.lab"])
	keys := ca.RedisKeys()
	if len(keys) != 1+2*len(labca.Names) {
		t.Fatalf("%d keys", len(keys))
	}
	for _, k := range keys {
		if got := c.do(t, "GET", k.Key); got != k.Value {
			t.Errorf("GET %s = %.40q, want %.40q", k.Key, got, k.Value)
		}
	}
	if got := c.do(t, "GET", "cert:a.test"); !strings.HasPrefix(fmt.Sprint(got), "-----BEGIN CERTIFICATE-----") {
		t.Errorf("cert:a.test = %.40q", got)
	}
}

func sortedPairs(kv []string) []string {
	pairs := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, kv[i]+"="+kv[i+1])
	}
	sort.Strings(pairs)
	return pairs
}

func TestRedisLessonCommands(t *testing.T) {
	s := start(t, Config{})
	c := newResp(t, s.Addrs()[ServiceRedis])
	cases := []struct {
		cmd  []string
		want any
	}{
		{[]string{"INCR", "counter:hits"}, int64(42)},
		{[]string{"INCR", "counter:hits"}, int64(43)},
		{[]string{"HGET", "user:1", "lang"}, "lua"},
		{[]string{"LPOP", "queue:jobs"}, "resize:cat.png"},
		{[]string{"LLEN", "queue:jobs"}, int64(2)},
		{[]string{"SET", "scratch", "x"}, "OK"},
		{[]string{"GET", "scratch"}, "x"},
	}
	for _, tc := range cases {
		if got := c.do(t, tc.cmd...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v = %#v, want %#v", tc.cmd, got, tc.want)
		}
	}
}
