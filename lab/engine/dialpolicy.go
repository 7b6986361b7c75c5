package engine

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/restylab/restylab/lab/conf"
)

// DialPolicy decides whether the engine may open a connection to addr
// ("ip:port" or "unix:/path") and where it goes. It returns the address to
// dial (addr itself, or another for an address that stands for it) or an
// error: a cosocket's connect returns it as nil, err, proxy_pass logs it
// and answers 502. The engine calls it before any system call for that
// connection, and before it reuses a kept-alive one.
type DialPolicy func(addr string) (string, error)

// LoopbackOnly is `restylab run`'s default policy for cosockets: loopback
// addresses and unix sockets, as they are.
func LoopbackOnly(addr string) (string, error) {
	if strings.HasPrefix(addr, "unix:") {
		return addr, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return addr, nil
	}
	return "", fmt.Errorf("connection to %s refused by the lab's policy (loopback only)", addr)
}

// maxNamedServices bounds the service names a refusal lists.
const maxNamedServices = 8

// SandboxDialPolicy is the network of a sandboxed instance serving cfg.
// Its connections reach
//   - its own listen addresses (cfg's Listen.Addr, the port the lab chose);
//   - the addresses its nginx.conf declared for them (Listen.Declared):
//     `listen 8080;` makes 127.0.0.1:8080 (any 127.0.0.0/8 address, and
//     0.0.0.0) dial the real address instead, as in nginx, where that
//     listener is the instance itself; `listen [::]:8080` likewise [::1];
//   - the lab's services in hosts (name -> "ip:port", as Options.Hosts),
//     by their ip:port: a cosocket reaches them by name through the
//     engine's host map;
//
// and nothing else: no other port of any address (another instance, the
// lab's own web port), no host name, no unix socket (a sandboxed instance
// has no unix listener). A refusal costs a parse and a map lookup, and is
// the same error whether anything listens there or not.
func SandboxDialPolicy(cfg *conf.Config, hosts map[string]string) DialPolicy {
	n := &sandboxNet{exact: map[netip.AddrPort]string{}, anyLoopback: map[uint16]string{}}
	var names []string
	for name, addr := range hosts {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			continue // not an ip:port: nothing a connection may reach
		}
		n.exact[canonical(ap)] = addr
		names = append(names, name)
	}
	var own []string
	if cfg != nil && cfg.HTTP != nil {
		listens := cfg.HTTP.ListenAddrs()
		for _, l := range listens {
			if real, err := netip.ParseAddrPort(l.Addr); err == nil {
				n.exact[canonical(real)] = l.Addr
			}
		}
		// a declared address is the learner's name for a real one: it
		// never hides a real listener or a service
		for _, l := range listens {
			desc := l.Addr
			if l.Declared != "" && l.Declared != l.Addr {
				desc = "listen " + l.Declared + ", served at " + l.Addr
				n.declare(l.Declared, l.Addr)
			}
			own = append(own, desc)
		}
	}
	sort.Strings(names)
	n.rule = sandboxRule(own, names)
	return n.check
}

// sandboxNet is a built SandboxDialPolicy; read-only once built, so the
// workers share it.
type sandboxNet struct {
	exact       map[netip.AddrPort]string // allowed address -> address to dial
	anyLoopback map[uint16]string         // port declared on 0.0.0.0 -> address to dial
	rule        string
}

// declare lets the address nginx.conf wrote for a listener (and what it
// covers) stand for the real one.
func (n *sandboxNet) declare(declared, real string) {
	ap, err := netip.ParseAddrPort(declared)
	if err != nil {
		return
	}
	ap = canonical(ap)
	add := func(a netip.AddrPort) {
		if _, taken := n.exact[a]; !taken {
			n.exact[a] = real
		}
	}
	add(ap)
	switch ap.Addr() {
	case netip.IPv4Unspecified():
		if _, taken := n.anyLoopback[ap.Port()]; !taken {
			n.anyLoopback[ap.Port()] = real
		}
	case netip.IPv6Unspecified():
		add(netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port()))
	}
}

// check is the DialPolicy.
func (n *sandboxNet) check(addr string) (string, error) {
	if strings.HasPrefix(addr, "unix:") {
		return "", fmt.Errorf("connection to %s refused by the lab's sandbox: an instance may connect to no unix socket, only %s", addr, n.rule)
	}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ap = canonical(ap)
		if to, ok := n.exact[ap]; ok {
			return to, nil
		}
		if to, ok := n.anyLoopback[ap.Port()]; ok && ap.Addr().Is4() && ap.Addr().IsLoopback() {
			return to, nil
		}
	}
	return "", fmt.Errorf("connection to %s refused by the lab's sandbox: an instance may connect only %s", addr, n.rule)
}

// canonical drops what does not change the destination: an IPv4 address
// written as IPv6 (::ffff:127.0.0.1) and a zone.
func canonical(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
}

// sandboxRule is the rule a refusal names: "to its own port (...) and the
// lab's services (...)".
func sandboxRule(own, services []string) string {
	var b strings.Builder
	b.WriteString("to its own port (")
	if len(own) == 0 {
		b.WriteString("none")
	}
	b.WriteString(strings.Join(own, "; "))
	b.WriteString(")")
	if len(services) == 0 {
		b.WriteString(": the lab runs no services for it")
		return b.String()
	}
	b.WriteString(" and the lab's services (")
	if len(services) > maxNamedServices {
		b.WriteString(strings.Join(services[:maxNamedServices], ", "))
		b.WriteString(", ...")
	} else {
		b.WriteString(strings.Join(services, ", "))
	}
	b.WriteString(")")
	return b.String()
}
