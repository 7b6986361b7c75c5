package sandbox

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/sandbox/proto"
)

// DefaultMaxAddresses is how many distinct listen addresses a workspace
// may declare (`listen 80; listen 443 ssl; listen 8080;` are three): the
// Manager sets aside that many loopback ports for each instance.
const DefaultMaxAddresses = 8

// assignPorts moves every listen address of cfg to a loopback port of pool
// (the ports the parent set aside, Load.Ports), keeping the declared one
// in Listen.Declared (engine.SandboxDialPolicy lets the instance reach it
// under that name). An address that kept serves on the port it had
// (kept: declared address -> port, the running configuration's), so that
// a reload inherits its listening socket; a new address takes the first
// port of pool no kept address holds, which may be the port of an address
// the reload removed (its socket is then inherited too). More distinct
// addresses than ports is an error naming the first listen past the limit.
// rel names a file as the learner knows it.
func assignPorts(cfg *conf.Config, pool []int, kept map[string]int, rel func(string) string) *proto.LoadError {
	type addr struct {
		declared string
		port     int
	}
	var order []*addr
	index := map[string]*addr{}
	for _, s := range cfg.HTTP.Servers {
		for i := range s.Listens {
			l := &s.Listens[i]
			if _, ok := index[l.Addr]; ok {
				continue
			}
			if len(order) == len(pool) {
				return &proto.LoadError{
					Message: fmt.Sprintf("too many listen addresses: listen %s is address number %d, and the lab serves at most %d per workspace", l.Addr, len(order)+1, len(pool)),
					File:    rel(l.Pos.File), Line: l.Pos.Line,
				}
			}
			a := &addr{declared: l.Addr}
			index[l.Addr] = a
			order = append(order, a)
		}
	}
	used := map[int]bool{}
	for _, a := range order {
		if p, ok := kept[a.declared]; ok && slices.Contains(pool, p) && !used[p] {
			a.port = p
			used[p] = true
		}
	}
	for _, a := range order {
		if a.port != 0 {
			continue
		}
		for _, p := range pool {
			if !used[p] {
				a.port = p
				used[p] = true
				break
			}
		}
	}
	for _, s := range cfg.HTTP.Servers {
		for i := range s.Listens {
			l := &s.Listens[i]
			l.Declared = l.Addr
			l.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(index[l.Declared].port))
		}
	}
	return nil
}

// addressesOf lists the addresses a prepared cfg serves (assignPorts moved
// them), in the order they first appear.
func addressesOf(cfg *conf.Config) []proto.Address {
	if cfg == nil || cfg.HTTP == nil {
		return nil
	}
	var out []proto.Address
	for _, l := range cfg.HTTP.ListenAddrs() {
		ap, err := netip.ParseAddrPort(l.Addr)
		if err != nil {
			continue
		}
		d := l.Declared
		if d == "" {
			d = l.Addr
		}
		out = append(out, proto.Address{Declared: d, Port: int(ap.Port()), SSL: l.SSL})
	}
	return out
}

// portsOf maps the declared addresses of a served cfg to their lab ports:
// what the next reload keeps.
func portsOf(cfg *conf.Config) map[string]int {
	m := map[string]int{}
	for _, a := range addressesOf(cfg) {
		m[a.Declared] = a.Port
	}
	return m
}
