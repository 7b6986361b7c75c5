package web

import (
	"fmt"
	"strings"

	"github.com/restylab/restylab/lessons"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/sandbox/proto"
)

// addressJSON is one listen address of a session's instance as the request
// and burst panels list it (docs/web.md).
type addressJSON struct {
	// Name is what a request's "listen" and the proxy's /s/{id}@{name}/
	// take: "80" for 0.0.0.0:80, else the address ("127.0.0.1:8080").
	Name     string `json:"name"`
	Declared string `json:"declared"`
	SSL      bool   `json:"ssl,omitempty"`
}

// addressList lists the listen addresses in is serving now, the first
// (where lessons' checks and a request without "listen" go) first.
func addressList(in *sandbox.Instance) []addressJSON {
	if in == nil {
		return nil
	}
	out := []addressJSON{}
	for _, a := range in.Addresses() {
		out = append(out, addressJSON{Name: lessons.AddressName(a.Declared), Declared: a.Declared, SSL: a.SSL})
	}
	return out
}

// maxListenName bounds the address name a request gives.
const maxListenName = 64

// checkListenName validates the address name a request gives ("" is the
// first address).
func checkListenName(name string) error {
	if len(name) > maxListenName || strings.ContainsAny(name, " /@\t\r\n") {
		return fmt.Errorf("bad listen %q: want a port (443) or an address (127.0.0.1:8080) of nginx.conf", name)
	}
	return nil
}

// pickAddress is the address of in a request names (lessons.MatchAddress:
// "" the first, "443", "127.0.0.1:8080"), with the lab port serving it.
func pickAddress(in *sandbox.Instance, name string) (proto.Address, error) {
	addrs := in.Addresses()
	if len(addrs) == 0 {
		if name != "" {
			return proto.Address{}, fmt.Errorf("no listen address %q: nginx.conf declares none", name)
		}
		return proto.Address{Port: in.Port(), SSL: in.SSL()}, nil
	}
	declared := make([]string, len(addrs))
	for i, a := range addrs {
		declared[i] = a.Declared
	}
	i, err := lessons.MatchAddress(declared, name)
	if err != nil {
		return proto.Address{}, err
	}
	return addrs[i], nil
}

// proxySelector is what the proxy path and the curl command add after the
// session id to reach address a of in: "" for the first, "@443" else.
func proxySelector(in *sandbox.Instance, a proto.Address) string {
	addrs := in.Addresses()
	if len(addrs) == 0 || addrs[0].Declared == a.Declared {
		return ""
	}
	return "@" + lessons.AddressName(a.Declared)
}
