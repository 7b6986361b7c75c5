package sandbox

import (
	"fmt"
	"net"
	"sort"
	"strings"
)

// FormatHosts writes a host map as the child's --hosts flag value,
// "name=ip:port,..." sorted by name.
func FormatHosts(hosts map[string]string) string {
	names := make([]string, 0, len(hosts))
	for name := range hosts {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + "=" + hosts[name]
	}
	return strings.Join(parts, ",")
}

// ParseHosts reads FormatHosts's output; "" is an empty map.
func ParseHosts(s string) (map[string]string, error) {
	hosts := map[string]string{}
	if s == "" {
		return hosts, nil
	}
	for _, kv := range strings.Split(s, ",") {
		name, addr, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("bad --hosts entry %q: want name=ip:port", kv)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("bad --hosts entry %q: %w", kv, err)
		}
		hosts[name] = addr
	}
	return hosts, nil
}
