package conf

import (
	"net/netip"
	"testing"
)

// TestParseCIDR checks addresses and masks as ngx_parse_cidr reads them.
func TestParseCIDR(t *testing.T) {
	cases := []struct {
		in, want    string // want "" = refused
		meaningless bool
	}{
		{"127.0.0.1", "127.0.0.1/32", false},
		{"10.0.0.0/8", "10.0.0.0/8", false},
		{"10.1.2.3/8", "10.0.0.0/8", true},
		{"010.001.0.1", "10.1.0.1/32", false},
		{"0.0.0.0/0", "0.0.0.0/0", false},
		{"1.2.3.4/33", "", false},
		{"1.2.3.4/", "", false},
		{"1.2.3", "", false},
		{"1.2.3.4.5", "", false},
		{"256.1.1.1", "", false},
		{"255.255.255.255", "", false},
		{"::1", "::1/128", false},
		{"2001:db8::1/32", "2001:db8::/32", true},
		{"::/0", "::/0", false},
		{"::1/129", "", false},
		{"fe80::1%eth0", "", false},
		{"localhost", "", false},
	}
	for _, tc := range cases {
		p, m, ok := parseCIDR(tc.in)
		got := ""
		if ok {
			got = p.String()
		}
		if got != tc.want || ok && m != tc.meaningless {
			t.Errorf("parseCIDR(%q) = %q meaningless=%v, want %q meaningless=%v", tc.in, got, m, tc.want, tc.meaningless)
		}
	}
}

// TestAccessRuleMatches checks which clients each kind of rule applies to.
func TestAccessRuleMatches(t *testing.T) {
	v4 := netip.MustParseAddr("127.0.0.1")
	mapped := netip.MustParseAddr("::ffff:127.0.0.1")
	v6 := netip.MustParseAddr("::1")
	unix := netip.Addr{}
	rule := func(s string) *AccessRule {
		p, _, ok := parseCIDR(s)
		if !ok {
			t.Fatalf("bad rule %q", s)
		}
		return &AccessRule{Net: p}
	}
	cases := []struct {
		name string
		rule *AccessRule
		addr netip.Addr
		want bool
	}{
		{"all v4", &AccessRule{All: true}, v4, true},
		{"all unix", &AccessRule{All: true}, unix, true},
		{"unix unix", &AccessRule{Unix: true}, unix, true},
		{"unix v4", &AccessRule{Unix: true}, v4, false},
		{"v4 rule v4", rule("127.0.0.0/8"), v4, true},
		{"v4 rule mapped", rule("127.0.0.0/8"), mapped, true},
		{"v4 rule v6", rule("0.0.0.0/0"), v6, false},
		{"v6 rule v4", rule("::/0"), v4, false},
		{"v6 rule v6", rule("::1"), v6, true},
		{"v4 rule unix", rule("0.0.0.0/0"), unix, false},
	}
	for _, tc := range cases {
		if got := tc.rule.Matches(tc.addr); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestAccessWarning checks nginx's warning for a CIDR with host bits set.
func TestAccessWarning(t *testing.T) {
	_, diags, err := LoadSource("/x/nginx.conf", []byte("events {} http { server { listen 127.0.0.1:1; allow 10.0.0.1/8; } }"), "/x")
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || !diags[0].Warn || diags[0].Message != "low address bits of 10.0.0.1/8 are meaningless" || diags[0].Pos.Line != 1 {
		t.Fatalf("diags = %+v", diags)
	}
}
