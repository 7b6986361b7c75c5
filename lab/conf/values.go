package conf

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ParseSize parses a size as nginx does (ngx_parse_size): "512", "10k",
// "1m", "2g"; ok false for anything else. The engine uses it for the sizes
// Lua sets ($limit_rate).
func ParseSize(s string) (int64, bool) { return parseSize(s) }

// parseSize parses nginx's size syntax (ngx_parse_size): digits with an
// optional k/K, m/M or g/G suffix.
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			s = s[:len(s)-1]
		}
	}
	n, ok := parseDigits(s)
	if !ok || n > (1<<62)/mult {
		return 0, false
	}
	return n * mult, true
}

// parseDigits accepts only ASCII digits (ngx_atoi): no sign, no spaces.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// timeUnits are nginx's time units in the order they must appear
// (ngx_parse_time): "1h30m" is valid, "30m1h" is not.
var timeUnits = []struct {
	name string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"M", 30 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"ms", time.Millisecond}, // before "m" so that "ms" is not read as minutes
	{"m", time.Minute},
	{"s", time.Second},
}

// unitRank orders the units from the largest to the smallest.
var unitRank = map[string]int{"y": 0, "M": 1, "w": 2, "d": 3, "h": 4, "m": 5, "s": 6, "ms": 7}

// parseTime parses nginx's time syntax in milliseconds mode (as
// keepalive_timeout does): "75s", "1m", "500ms", "1h30m", "75" (seconds).
func parseTime(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var total time.Duration
	last := -1
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, ok := parseDigits(s[:i])
		if !ok || n > 1<<31 {
			return 0, false
		}
		s = s[i:]
		unit := time.Second
		rank := unitRank["s"]
		if s != "" {
			found := false
			for _, u := range timeUnits {
				if strings.HasPrefix(s, u.name) {
					unit, rank, found = u.d, unitRank[u.name], true
					s = s[len(u.name):]
					break
				}
			}
			if !found {
				return 0, false
			}
		}
		if rank <= last {
			return 0, false
		}
		last = rank
		total += time.Duration(n) * unit
	}
	return total, true
}

// errBadPort and errHostNotFound are the two ways a listen address fails.
var (
	errBadPort      = errors.New("invalid port")
	errHostNotFound = errors.New("host not found")
)

// parseListenAddr turns a listen argument into "host:port" with the host as
// an IP literal, as nginx's ngx_parse_url does: "8080" and "*:8080" mean all
// IPv4 addresses, a missing port is 80, "[::1]:8080" is IPv6. Only
// "localhost" is resolved (to 127.0.0.1); other names are "host not found"
// so that loading never depends on DNS.
func parseListenAddr(s string) (string, error) {
	if n, ok := parseDigits(s); ok {
		if n < 1 || n > 65535 {
			return "", errBadPort
		}
		return "0.0.0.0:" + strconv.FormatInt(n, 10), nil
	}
	host, port := s, "80"
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", errHostNotFound
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", errBadPort
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
	}
	n, ok := parseDigits(port)
	if !ok || n < 1 || n > 65535 {
		return "", errBadPort
	}
	switch host {
	case "*", "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" {
		return "", errHostNotFound
	}
	return netip.AddrPortFrom(ip, uint16(n)).String(), nil
}

// parseFlag parses on|off.
func parseFlag(d *directive) (bool, error) {
	switch strings.ToLower(d.args[0].s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, errf(d.pos, "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"", d.args[0].s, d.name)
}
