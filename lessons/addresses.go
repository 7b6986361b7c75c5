package lessons

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// MaxAddresses is how many distinct listen addresses a workspace may
// declare, as in a learner's instance (sandbox.DefaultMaxAddresses).
const MaxAddresses = 8

// Address is one listen address of a served workspace.
type Address struct {
	// Declared is the address nginx.conf gave, normalized: "0.0.0.0:80",
	// "127.0.0.1:8080", "[::]:443".
	Declared string
	// URL is where it is served, without a trailing slash:
	// "https://127.0.0.1:34567" for an ssl address.
	URL string
	// SSL: some listen of the address has "ssl".
	SSL bool
}

// AddressTarget is a Target that serves every listen address of the
// workspace: a check's "--- listen: 443" sends to the one declared so.
// BaseURL stays the first address's.
type AddressTarget interface {
	Target
	// Addresses are the distinct listen addresses in the order nginx.conf
	// first gives them.
	Addresses() []Address
}

// AddressName is how the lab names a declared address to a learner: the
// port alone for the IPv4 wildcard ("80"), else the address
// ("127.0.0.1:8080", "[::]:80").
func AddressName(declared string) string {
	ap, err := netip.ParseAddrPort(declared)
	if err == nil && ap.Addr() == netip.IPv4Unspecified() {
		return strconv.Itoa(int(ap.Port()))
	}
	return declared
}

// MatchAddress finds the address a learner or a check names among the
// declared ones: "443" is 0.0.0.0:443 when declared, else the first
// address on port 443,
// "127.0.0.1:8080" or "[::]:80" that exact address; "" is the first.
func MatchAddress(declared []string, name string) (int, error) {
	if len(declared) == 0 {
		return 0, fmt.Errorf("the workspace declares no listen address")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, nil
	}
	if p, err := strconv.Atoi(name); err == nil {
		// the IPv4 wildcard first: AddressName names it by its port
		for _, want := range []bool{true, false} {
			for i, d := range declared {
				if ap, err := netip.ParseAddrPort(d); err == nil && int(ap.Port()) == p && (!want || ap.Addr() == netip.IPv4Unspecified()) {
					return i, nil
				}
			}
		}
	} else {
		want := name
		if ap, err := netip.ParseAddrPort(name); err == nil {
			want = ap.String()
		}
		for i, d := range declared {
			if d == want {
				return i, nil
			}
		}
	}
	var names []string
	for _, d := range declared {
		names = append(names, AddressName(d))
	}
	return 0, fmt.Errorf("no listen address %q: nginx.conf declares %s", name, strings.Join(names, ", "))
}

// targetURL is where a request for the listen address name goes on t:
// its URL and whether it speaks TLS ("" is the first address, BaseURL).
func targetURL(t Target, name string) (string, bool, error) {
	if name == "" {
		return t.BaseURL(), false, nil
	}
	at, ok := t.(AddressTarget)
	if !ok {
		return "", false, fmt.Errorf("this instance serves one address only")
	}
	addrs := at.Addresses()
	declared := make([]string, len(addrs))
	for i, a := range addrs {
		declared[i] = a.Declared
	}
	i, err := MatchAddress(declared, name)
	if err != nil {
		return "", false, err
	}
	return addrs[i].URL, addrs[i].SSL, nil
}
