package conf

import "strings"

// listenOption reports whether p is one of the socket options of listen
// that the lab checks as nginx does and otherwise accepts without effect
// (the kernel's defaults apply): deferred, fastopen=, rcvbuf=, sndbuf=,
// ipv6only=, so_keepalive=. Each makes the address's options "set", as
// in nginx, so two servers cannot both give them.
func listenOption(p string) bool {
	if p == "deferred" {
		return true
	}
	for _, pre := range []string{"fastopen=", "rcvbuf=", "sndbuf=", "ipv6only=o", "so_keepalive="} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// checkListenOption checks one listen option's value in nginx's words.
func checkListenOption(p string, d *directive) error {
	name, val, _ := strings.Cut(p, "=")
	switch name {
	case "deferred":
		return nil
	case "fastopen":
		if _, ok := parseDigits(val); !ok {
			return errf(d.pos, "invalid fastopen \"%s\"", p)
		}
	case "rcvbuf", "sndbuf":
		if n, ok := parseSize(val); !ok || n <= 0 {
			return errf(d.pos, "invalid %s \"%s\"", name, p)
		}
	case "ipv6only":
		if val != "on" && val != "off" {
			return errf(d.pos, "invalid ipv6only flags \"%s\"", val)
		}
	case "so_keepalive":
		if !validKeepalive(val) {
			return errf(d.pos, "invalid so_keepalive value: \"%s\"", val)
		}
	}
	return nil
}

// validKeepalive checks so_keepalive's value: on, off, or
// [keepidle]:[keepintvl]:[keepcnt] with at least one of them given
// (times for the first two, a number for the last).
func validKeepalive(v string) bool {
	if v == "on" || v == "off" {
		return true
	}
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return false
	}
	any := false
	for i, s := range parts {
		if s == "" {
			continue
		}
		if i < 2 {
			t, ok := parseTime(s)
			if !ok || t <= 0 {
				return false
			}
		} else if n, ok := parseDigits(s); !ok || n == 0 {
			return false
		}
		any = true
	}
	return any
}
