package conf

import (
	"fmt"
	"strings"
)

// Template is a parsed nginx value with variables ("complex value"):
// literal text, $name, ${name} and the regex captures $1..$9. It is
// immutable and safe to share between goroutines.
type Template struct {
	raw   string
	parts []tplPart
}

// tplPart is literal text (name == "" and capture < 0), a variable (name)
// or a capture (capture 1..9).
type tplPart struct {
	lit     string
	name    string
	capture int // -1 when the part is not a capture
}

// ParseTemplate parses s as nginx does (ngx_http_script_compile): $1..$9
// are captures ("$10" is $1 then "0"); otherwise the name is letters,
// digits and '_', optionally in braces.
func ParseTemplate(s string) (Template, error) {
	t := Template{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tplPart{lit: lit.String(), capture: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			continue
		}
		i++
		if i < len(s) && s[i] >= '1' && s[i] <= '9' {
			flush()
			t.parts = append(t.parts, tplPart{capture: int(s[i] - '0')})
			continue
		}
		braced := i < len(s) && s[i] == '{'
		if braced {
			i++
		}
		start := i
		for i < len(s) && isVarChar(s[i]) {
			i++
		}
		name := s[start:i]
		if braced {
			if i >= len(s) || s[i] != '}' {
				return Template{}, fmt.Errorf("the closing bracket in \"%s\" variable is missing", name)
			}
		} else {
			i-- // the loop's i++ moves to the character after the name
		}
		if name == "" {
			return Template{}, fmt.Errorf("invalid variable name in \"%s\"", s)
		}
		flush()
		t.parts = append(t.parts, tplPart{name: name, capture: -1})
	}
	flush()
	return t, nil
}

func isVarChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Raw returns the template as written.
func (t Template) Raw() string { return t.raw }

// IsLiteral reports whether the template holds no variables or captures.
func (t Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.name != "" || p.capture >= 0 {
			return false
		}
	}
	return true
}

// Vars returns the variable names used (without '$', first use order, no
// duplicates, captures excluded) so that the engine can reject unknown
// variables as nginx does: `unknown "foo" variable`.
func (t Template) Vars() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.name != "" && !seen[p.name] {
			seen[p.name] = true
			out = append(out, p.name)
		}
	}
	return out
}

// Expand interpolates the template. lookup receives a variable name, or
// "1".."9" for a capture; a missing value expands to "" as in nginx.
func (t Template) Expand(lookup func(name string) (string, bool)) string {
	if len(t.parts) == 1 && t.parts[0].name == "" && t.parts[0].capture < 0 {
		return t.parts[0].lit
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.name != "":
			if v, ok := lookup(p.name); ok {
				b.WriteString(v)
			}
		case p.capture >= 0:
			if v, ok := lookup(string(rune('0' + p.capture))); ok {
				b.WriteString(v)
			}
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// MarshalText makes a Template print as its source in JSON dumps.
func (t Template) MarshalText() ([]byte, error) { return []byte(t.raw), nil }

// Walk calls lit for each literal part and value for each variable in
// order; a capture is given to value as "1".."9".
func (t Template) Walk(lit func(string), value func(name string)) {
	for _, p := range t.parts {
		switch {
		case p.name != "":
			value(p.name)
		case p.capture >= 0:
			value(string(rune('0' + p.capture)))
		default:
			lit(p.lit)
		}
	}
}
