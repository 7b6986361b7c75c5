package testserver

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/restylab/restylab/testserver/labca"
)

// Service names: the keys of [Services.Addrs].
const (
	ServiceHTTP   = "http"
	ServiceEcho   = "echo"
	ServiceSlow   = "slow"
	ServiceCloser = "closer"
	ServiceRedis  = "redis"
)

// Lab host names: the keys of [Services.HostMap].
const (
	HostHTTP   = "httpbin.lab"
	HostEcho   = "echo.lab"
	HostSlow   = "slow.lab"
	HostCloser = "closer.lab"
	HostRedis  = "redis.lab"
)

// Defaults for the zero fields of [Config].
const (
	DefaultAddr        = "127.0.0.1"
	DefaultMaxConns    = 64               // concurrent connections per TCP server
	DefaultIdleTimeout = 30 * time.Second // TCP: time allowed between two lines
	DefaultSlowDelay   = 2 * time.Second  // slow.lab: delay for a line without a number
)

// services lists every service in the order tables print them, with its lab
// host name and a short description.
var services = []struct{ Name, Host, What string }{
	{ServiceHTTP, HostHTTP, "HTTP, httpbin-like: /echo /delay/{ms} /status/{code} /headers /bytes/{n} /stream/{n} /drip /json /cache"},
	{ServiceEcho, HostEcho, "TCP: echoes every line"},
	{ServiceSlow, HostSlow, "TCP: echoes every line after a delay (\"250 hi\": 250 ms)"},
	{ServiceCloser, HostCloser, "TCP: sends half of the echo of the first line, then closes"},
	{ServiceRedis, HostRedis, "Redis (miniredis) with lesson data and the lab's certificates (cert:NAME, key:NAME)"},
}

// Config says where the services listen and how the TCP servers bound their
// clients. The zero value listens on free ports of 127.0.0.1.
type Config struct {
	Addr string // IP address to listen on; DefaultAddr when empty

	// Ports; 0 picks a free port.
	HTTPPort, EchoPort, SlowPort, CloserPort, RedisPort int

	MaxConns    int           // per TCP server; DefaultMaxConns when 0
	IdleTimeout time.Duration // TCP idle limit; DefaultIdleTimeout when 0
	SlowDelay   time.Duration // slow.lab default delay; DefaultSlowDelay when 0

	// CA issues the certificates redis.lab holds (cert:NAME, key:NAME);
	// nil uses the process's labca.Shared, the one the web lab uses.
	CA *labca.CA

	// Log, when set, gets one line per HTTP request and per TCP connection,
	// and the servers' errors. Nil discards them.
	Log *log.Logger
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.SlowDelay <= 0 {
		c.SlowDelay = DefaultSlowDelay
	}
	return c
}

// Services is a running set of test services. Its methods are safe for use
// from any goroutine.
type Services struct {
	cfg    Config
	addrs  map[string]string // service name -> host:port, fixed after Start
	http   *httpServer
	tcp    []*lineServer
	redis  *redisServer
	once   sync.Once
	closed error
}

// Start listens on every service's port and starts serving. ctx bounds the
// start only (listening); the services run until [Services.Close]. On error
// nothing is left running.
func Start(ctx context.Context, cfg Config) (*Services, error) {
	cfg = cfg.withDefaults()
	s := &Services{cfg: cfg, addrs: make(map[string]string)}
	var lc net.ListenConfig
	listen := func(name string, port int) (net.Listener, error) {
		if port < 0 || port > 65535 {
			return nil, fmt.Errorf("testserver: %s: port %d out of range", name, port)
		}
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(cfg.Addr, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("testserver: %s: %w", name, err)
		}
		s.addrs[name] = ln.Addr().String()
		return ln, nil
	}
	fail := func(err error) (*Services, error) {
		s.Close()
		return nil, err
	}

	ln, err := listen(ServiceHTTP, cfg.HTTPPort)
	if err != nil {
		return fail(err)
	}
	s.http = startHTTP(ln, cfg.Log)

	tcp := []struct {
		name   string
		port   int
		handle func(*lineServer, *lineConn)
	}{
		{ServiceEcho, cfg.EchoPort, serveEcho},
		{ServiceSlow, cfg.SlowPort, serveSlow},
		{ServiceCloser, cfg.CloserPort, serveCloser},
	}
	for _, t := range tcp {
		ln, err := listen(t.name, t.port)
		if err != nil {
			return fail(err)
		}
		s.tcp = append(s.tcp, startLineServer(t.name, ln, cfg, t.handle))
	}

	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("testserver: %s: %w", ServiceRedis, err))
	}
	ca := cfg.CA
	if ca == nil {
		if ca, err = labca.Shared(); err != nil {
			return fail(fmt.Errorf("testserver: %s: %w", ServiceRedis, err))
		}
	}
	r, err := startRedis(net.JoinHostPort(cfg.Addr, strconv.Itoa(cfg.RedisPort)), ca)
	if err != nil {
		return fail(fmt.Errorf("testserver: %s: %w", ServiceRedis, err))
	}
	s.redis = r
	s.addrs[ServiceRedis] = r.addr()
	return s, nil
}

// Close stops every service, closes every connection and waits until all
// their goroutines have returned. It may be called more than once; later
// calls return the first call's result.
func (s *Services) Close() error {
	s.once.Do(func() {
		var errs []error
		if s.http != nil {
			errs = append(errs, s.http.close())
		}
		for _, t := range s.tcp {
			errs = append(errs, t.close())
		}
		if s.redis != nil {
			s.redis.close()
		}
		if err := errors.Join(errs...); err != nil {
			s.closed = fmt.Errorf("testserver: close: %w", err)
		}
	})
	return s.closed
}

// Addrs returns the address ("127.0.0.1:port") of every service, keyed by
// service name (ServiceHTTP, ServiceEcho, ...). The map is a copy.
func (s *Services) Addrs() map[string]string {
	m := make(map[string]string, len(s.addrs))
	for k, v := range s.addrs {
		m[k] = v
	}
	return m
}

// HostMap returns the lab host names (httpbin.lab, echo.lab, slow.lab,
// closer.lab, redis.lab) mapped to the address of their service. The map is
// a copy.
func (s *Services) HostMap() map[string]string {
	m := make(map[string]string, len(services))
	for _, sv := range services {
		if a, ok := s.addrs[sv.Name]; ok {
			m[sv.Host] = a
		}
	}
	return m
}

// ServiceInfo describes one running service.
type ServiceInfo struct {
	Name string // service name, the key of Addrs: "http", "echo", ...
	Host string // lab host name, the key of HostMap: "httpbin.lab", ...
	Addr string // where it listens: "127.0.0.1:port"
	What string // a one-line description
}

// Describe returns every service in a fixed order (http, echo, slow, closer,
// redis). Commands print it as a table.
func (s *Services) Describe() []ServiceInfo {
	rows := make([]ServiceInfo, 0, len(services))
	for _, sv := range services {
		rows = append(rows, ServiceInfo{Name: sv.Name, Host: sv.Host, Addr: s.addrs[sv.Name], What: sv.What})
	}
	return rows
}
