// Command echo is the TCP line-echo upstream of bench/run.sh's cosocket scenario: the
// same process serves real nginx and the engine, outside both. Every line read on a
// connection ("...\n") is written back unchanged; a connection stays open until the
// peer closes it or it is idle for -idle.
//
//	go run ./bench/echo -port 19000
//
// Bounded: at most -max-conns connections at once (a connection beyond that is closed
// at once and counted as rejected), lines of at most -max-line bytes (a longer one
// closes the connection), -idle per read. SIGTERM or SIGINT closes the listener and
// every connection and exits 0. SIGUSR1 prints one line of counters to stdout:
// "accepted=N open=N rejected=N lines=N". Only the standard library is used.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1", "IP address to listen on")
	port := flag.Int("port", 0, "TCP port (0: a free port, printed on start)")
	maxConns := flag.Int("max-conns", 4096, "most connections served at once; more are closed at once")
	maxLine := flag.Int("max-line", 64<<10, "longest line echoed; a longer one closes the connection")
	idle := flag.Duration("idle", 120*time.Second, "close a connection idle this long")
	flag.Parse()

	ln, err := net.Listen("tcp", net.JoinHostPort(*addr, fmt.Sprint(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())

	var accepted, rejected, lines, open atomic.Int64
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	stopping := false

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for s := range sigs {
			if s == syscall.SIGUSR1 {
				fmt.Printf("accepted=%d open=%d rejected=%d lines=%d\n",
					accepted.Load(), open.Load(), rejected.Load(), lines.Load())
				continue
			}
			mu.Lock()
			stopping = true
			for c := range conns {
				c.Close()
			}
			mu.Unlock()
			ln.Close()
			close(done)
			return
		}
	}()

	serve := func(c net.Conn) {
		defer func() {
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
			open.Add(-1)
		}()
		br := bufio.NewReaderSize(c, *maxLine)
		for {
			c.SetReadDeadline(time.Now().Add(*idle))
			line, err := br.ReadSlice('\n')
			if err != nil {
				return // EOF, idle, reset, or a line longer than -max-line
			}
			lines.Add(1)
			c.SetWriteDeadline(time.Now().Add(*idle))
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}

	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-done:
				os.Exit(0)
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			// EMFILE and the like: back off instead of spinning
			time.Sleep(10 * time.Millisecond)
			continue
		}
		accepted.Add(1)
		mu.Lock()
		if stopping || len(conns) >= *maxConns {
			mu.Unlock()
			rejected.Add(1)
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		open.Add(1)
		go serve(c)
	}
}
