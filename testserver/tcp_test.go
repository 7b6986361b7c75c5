package testserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exchange is one step of a TCP conversation: send, then expect reply (all
// of it, byte for byte) within the given time bounds.
type exchange struct {
	send       string
	reply      string
	minWait    time.Duration // 0: no lower bound
	maxWait    time.Duration // 0: 2 s
	thenClosed bool          // the server closes right after the reply (EOF)
	resetOK    bool          // ... or resets: it closed with input unread
}

func TestTCPServers(t *testing.T) {
	s := start(t, Config{SlowDelay: 300 * time.Millisecond})
	cases := []struct {
		name    string
		service string
		steps   []exchange
	}{
		{"echo lines", ServiceEcho, []exchange{
			{send: "hello\n", reply: "hello\n"},
			{send: "crlf\r\n", reply: "crlf\n"},
			{send: "\n", reply: "\n"},
			{send: "two\nlines\n", reply: "two\nlines\n"},
		}},
		{"echo line in pieces", ServiceEcho, []exchange{
			{send: "hal", reply: ""},
			{send: "f\n", reply: "half\n"},
		}},
		{"echo too long a line", ServiceEcho, []exchange{
			{send: strings.Repeat("x", MaxLineLength+10) + "\n", reply: "", thenClosed: true, resetOK: true},
		}},
		{"slow with delay in line", ServiceSlow, []exchange{
			{send: "200 hi\n", reply: "200 hi\n", minWait: 180 * time.Millisecond},
			{send: "0 now\n", reply: "0 now\n", maxWait: 150 * time.Millisecond},
		}},
		{"slow with default delay", ServiceSlow, []exchange{
			{send: "no number\n", reply: "no number\n", minWait: 280 * time.Millisecond},
			{send: "-5 negative\n", reply: "-5 negative\n", minWait: 280 * time.Millisecond},
		}},
		{"slow answers pipelined lines in order", ServiceSlow, []exchange{
			{send: "100 a\n50 b\n", reply: "100 a\n50 b\n", minWait: 140 * time.Millisecond},
		}},
		{"closer sends half and closes", ServiceCloser, []exchange{
			{send: "hello\n", reply: "hel", thenClosed: true},
		}},
		{"closer with a longer line", ServiceCloser, []exchange{
			{send: "0123456789\n", reply: "01234", thenClosed: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.Addrs()[tc.service])
			r := bufio.NewReader(c)
			for _, st := range tc.steps {
				begin := time.Now()
				if _, err := c.Write([]byte(st.send)); err != nil {
					t.Fatalf("write %.40q: %v", st.send, err)
				}
				got := make([]byte, len(st.reply))
				if _, err := io.ReadFull(r, got); err != nil {
					t.Fatalf("after %.40q: read: %v (got %.40q)", st.send, err, got)
				}
				took := time.Since(begin)
				if string(got) != st.reply {
					t.Errorf("after %.40q: got %.40q, want %.40q", st.send, got, st.reply)
				}
				maxWait := st.maxWait
				if maxWait == 0 {
					maxWait = 2 * time.Second
				}
				if took < st.minWait || took > maxWait {
					t.Errorf("after %.40q: reply took %v, want between %v and %v", st.send, took, st.minWait, maxWait)
				}
				if st.thenClosed {
					c.SetReadDeadline(time.Now().Add(2 * time.Second))
					n, err := r.Read(make([]byte, 1))
					if err != io.EOF && !(st.resetOK && errors.Is(err, syscall.ECONNRESET)) {
						t.Errorf("after %.40q: want EOF, got %d bytes, %v", st.send, n, err)
					}
				}
			}
		})
	}
}

func TestEchoLastLineWithoutNewline(t *testing.T) {
	s := start(t, Config{})
	c := dial(t, s.Addrs()[ServiceEcho])
	c.Write([]byte("first\ntail"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "first\ntail\n" {
		t.Errorf("got %.40q, %v; want %.40q", got, err, "first\ntail\n")
	}
}

func TestIdleTimeout(t *testing.T) {
	const idle = 200 * time.Millisecond
	s := start(t, Config{IdleTimeout: idle})
	for _, service := range []string{ServiceEcho, ServiceSlow, ServiceCloser} {
		t.Run(service, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s.Addrs()[service])
			if service == ServiceEcho {
				// The timeout counts from the last line, not from the connect.
				time.Sleep(idle / 2)
				c.Write([]byte("keep\n"))
				if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "keep\n" {
					t.Fatalf("echo: %.40q, %v", line, err)
				}
			}
			begin := time.Now()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := c.Read(make([]byte, 1))
			took := time.Since(begin)
			if err != io.EOF {
				t.Fatalf("read on idle connection: %d bytes, %v; want EOF", n, err)
			}
			if took < idle/2 || took > 3*time.Second {
				t.Errorf("closed after %v, want about %v", took, idle)
			}
		})
	}
}

func TestMaxConns(t *testing.T) {
	s := start(t, Config{MaxConns: 2})
	addr := s.Addrs()[ServiceEcho]
	roundTrip := func(c net.Conn) error {
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return err
		}
		_, err := bufio.NewReader(c).ReadString('\n')
		return err
	}
	a, b := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{a, b} {
		if err := roundTrip(c); err != nil {
			t.Fatalf("connection within the limit: %v", err)
		}
	}
	third := dial(t, addr)
	if err := roundTrip(third); err == nil {
		t.Fatal("third connection served beyond MaxConns=2")
	}
	a.Close()
	// The slot frees once the server has seen a's EOF.
	deadline := time.Now().Add(3 * time.Second)
	for {
		c := dial(t, addr)
		err := roundTrip(c)
		c.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after one closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSlowDelay(t *testing.T) {
	const def = time.Second
	cases := []struct {
		line string
		want time.Duration
	}{
		{"250 hi", 250 * time.Millisecond},
		{"  40", 40 * time.Millisecond},
		{"0", 0},
		{"hi 250", def},
		{"", def},
		{"-1 x", def},
		{"1.5 x", def},
		{"99999999 x", MaxDelay},
		{"99999999999999999999 overflow", def},
	}
	for _, c := range cases {
		if got := slowDelay([]byte(c.line), def); got != c.want {
			t.Errorf("slowDelay(%.40q) = %v, want %v", c.line, got, c.want)
		}
	}
}
