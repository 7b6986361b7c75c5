package conf

import (
	"regexp"
	"strings"
)

// IfCond is an if directive's condition, as ngx_http_rewrite_if_condition
// reads it.
type IfCond struct {
	// Kind is "var" (a variable alone: false when "" or "0"), "=", "!=",
	// "~", "~*", "!~", "!~*", or a file test "-f", "!-f", "-d", "!-d",
	// "-e", "!-e", "-x", "!-x".
	Kind string
	// Var is the tested variable (without '$') for "var", comparisons and
	// regexes; Value the compared string, the regex or the tested path.
	Var   string `json:",omitempty"`
	Value Template
	// Regex is the pattern of "~" and the others (Re compiled).
	Regex string         `json:",omitempty"`
	Re    *regexp.Regexp `json:"-"`
}

// ifOp handles if (condition) { ... }: at server level a block of
// rewrite directives, at location level also a nested location
// configuration that the request switches to when the condition holds
// ("if is evil": its content handler replaces the enclosing one's).
func (b *builder) ifOp(s *scope, d *directive) error {
	cond, err := parseIfCond(d)
	if err != nil {
		return err
	}
	op := &RewriteOp{Kind: OpIf, Cond: cond, Pos: d.pos}
	addRewrite(s, op)
	inner := &scope{ctx: cSIF, lvl: newLevel(), srv: s.srv, ops: &op.Ops}
	if s.loc != nil {
		loc := &Location{Modifier: ModIf, Pattern: s.loc.Pattern, Server: s.srv, Parent: s.loc, Pos: d.pos}
		op.Loc = loc
		s.loc.Ifs = append(s.loc.Ifs, loc)
		b.locLevels[loc] = inner.lvl
		inner.ctx, inner.loc = cLIF, loc
	}
	return b.parseBlock(d.lx, inner, true)
}

// breakOp handles break: the rewrite directives stop here.
func (b *builder) breakOp(s *scope, d *directive) error {
	addRewrite(s, &RewriteOp{Kind: OpBreak, Pos: d.pos})
	return nil
}

// parseIfCond reads the words of an if directive.
func parseIfCond(d *directive) (*IfCond, error) {
	words := make([]string, len(d.args))
	for i := range d.args {
		words[i] = d.arg(i)
	}
	invalid := func(w string) error { return errf(d.pos, "invalid condition \"%s\"", w) }
	if !strings.HasPrefix(words[0], "(") {
		return nil, invalid(words[0])
	}
	cur, last := 0, len(words)-1
	if words[0] == "(" {
		cur = 1
	} else {
		words[0] = words[0][1:]
	}
	if !strings.HasSuffix(words[last], ")") || cur > last {
		return nil, invalid(words[last])
	}
	if words[last] == ")" {
		last--
	} else {
		words[last] = words[last][:len(words[last])-1]
	}
	if cur > last {
		return nil, invalid(")")
	}
	w := words[cur]
	value := func(i int) (Template, error) {
		t, err := ParseTemplate(words[i])
		if err != nil {
			return t, errf(d.pos, "%s", err.Error())
		}
		return t, nil
	}
	switch {
	case len(w) > 1 && w[0] == '$':
		if cur != last && cur+2 != last {
			return nil, invalid(w)
		}
		c := &IfCond{Kind: "var", Var: w[1:]}
		if strings.HasPrefix(c.Var, "{") && strings.HasSuffix(c.Var, "}") {
			c.Var = c.Var[1 : len(c.Var)-1]
		}
		if cur == last {
			return c, nil
		}
		c.Kind = words[cur+1]
		switch c.Kind {
		case "=", "!=":
			t, err := value(last)
			if err != nil {
				return nil, err
			}
			c.Value = t
		case "~", "~*", "!~", "!~*":
			re, err := compileRegex(words[last], strings.HasSuffix(c.Kind, "*"), d.pos)
			if err != nil {
				return nil, err
			}
			c.Re, c.Regex = re, words[last]
		default:
			return nil, errf(d.pos, "unexpected \"%s\" in condition", c.Kind)
		}
		return c, nil
	case len(w) == 2 && w[0] == '-', len(w) == 3 && w[0] == '!' && w[1] == '-':
		if cur+1 != last {
			return nil, invalid(w)
		}
		switch w[len(w)-1] {
		case 'f', 'd', 'e', 'x':
		default:
			return nil, invalid(w)
		}
		t, err := value(last)
		if err != nil {
			return nil, err
		}
		return &IfCond{Kind: w, Value: t}, nil
	}
	return nil, invalid(w)
}

// inheritIntoIf gives an if block's location what nginx's request keeps
// when it switches to it: the enclosing content handler (content_by_lua or
// proxy_pass) unless the if sets one of its own.
func inheritIntoIf(loc *Location, lvl *level, parent settings, v *settings) {
	if lvl.phases.Content != nil || loc.Proxy != nil {
		return
	}
	v.phases.Content = parent.phases.Content
	loc.Proxy = loc.Parent.Proxy
}
