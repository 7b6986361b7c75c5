package conf

import (
	"reflect"
	"testing"
)

func TestTemplate(t *testing.T) {
	vars := map[string]string{"host": "h", "uri": "/u", "1": "one", "2": "two", "a_b": "ab"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct {
		in, want string
		vars     []string
		literal  bool
	}{
		{"plain", "plain", nil, true},
		{"$host$uri", "h/u", []string{"host", "uri"}, false},
		{"${host}x", "hx", []string{"host"}, false},
		{"$hostx", "", []string{"hostx"}, false},
		{"$1-$2", "one-two", nil, false},
		{"$10", "one0", nil, false},
		{"a $a_b, $host $host", "a ab, h h", []string{"a_b", "host"}, false},
		{"$unknown!", "!", []string{"unknown"}, false},
		{"", "", nil, true},
	}
	for _, tc := range tests {
		tpl, err := ParseTemplate(tc.in)
		if err != nil {
			t.Fatalf("ParseTemplate(%q): %v", tc.in, err)
		}
		if got := tpl.Expand(lookup); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := tpl.Vars(); !reflect.DeepEqual(got, tc.vars) {
			t.Errorf("Vars(%q) = %q, want %q", tc.in, got, tc.vars)
		}
		if tpl.IsLiteral() != tc.literal || tpl.Raw() != tc.in {
			t.Errorf("IsLiteral(%q) = %v, Raw = %q", tc.in, tpl.IsLiteral(), tpl.Raw())
		}
	}
	for in, want := range map[string]string{
		"a$":     `invalid variable name in "a$"`,
		"$-x":    `invalid variable name in "$-x"`,
		"${host": `the closing bracket in "host" variable is missing`,
	} {
		if _, err := ParseTemplate(in); err == nil || err.Error() != want {
			t.Errorf("ParseTemplate(%q) error = %v, want %q", in, err, want)
		}
	}
}
