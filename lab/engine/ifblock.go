package engine

import (
	"os"
	"strings"

	"github.com/restylab/restylab/lab/conf"
)

// ifHolds evaluates an if directive's condition as
// ngx_http_rewrite_module does: a variable alone is false when empty or
// "0"; = and != compare strings; a regex that matches sets $1..$9 and its
// named captures (a negated one sets none); -f, -d, -e and -x test the
// path (a regular file, a directory, anything, an executable file).
func (r *request) ifHolds(c *conf.IfCond) bool {
	switch c.Kind {
	case "var":
		v, _ := r.variable(c.Var)
		return v != "" && v != "0"
	case "=", "!=":
		v, _ := r.variable(c.Var)
		return (v == r.expandTpl(c.Value)) == (c.Kind == "=")
	case "~", "~*", "!~", "!~*":
		v, _ := r.variable(c.Var)
		neg := strings.HasPrefix(c.Kind, "!")
		m := c.Re.FindStringSubmatch(v)
		if m != nil && !neg {
			r.captures = m
			for i, name := range c.Re.SubexpNames() {
				if name != "" && i < len(m) {
					r.setVar(name, m[i])
				}
			}
		}
		return (m != nil) != neg
	}
	neg := c.Kind[0] == '!'
	fi, err := os.Stat(r.expandTpl(c.Value))
	ok := err == nil
	if ok {
		switch c.Kind[len(c.Kind)-1] {
		case 'f':
			ok = fi.Mode().IsRegular()
		case 'd':
			ok = fi.IsDir()
		case 'x':
			ok = fi.Mode().IsRegular() && fi.Mode().Perm()&0o100 != 0
		}
	}
	return ok != neg
}

// checkIfVars checks the variables an if condition reads.
func checkIfVars(op *conf.RewriteOp, check func(conf.Template) error) error {
	c := op.Cond
	if c == nil {
		return nil
	}
	if c.Var != "" {
		t, err := conf.ParseTemplate("$" + c.Var)
		if err == nil {
			if err := check(t); err != nil {
				return err
			}
		}
	}
	return check(c.Value)
}
