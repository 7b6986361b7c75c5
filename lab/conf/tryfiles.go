package conf

import "strings"

// TryFiles is a try_files directive: Files are tried in order (a name
// ending in "/" must be a directory; Dir says so and the name is kept
// without it, as nginx stores it); then the last argument: Code (=N) or
// Fallback (a URI for an internal redirect, or @name).
type TryFiles struct {
	Files    []TryFile
	Fallback Template
	Code     int `json:",omitempty"`
	Pos      Pos
}

// TryFile is one name try_files tests.
type TryFile struct {
	Name Template
	Dir  bool `json:",omitempty"`
}

// Alias is a location's alias: the file path replaces the location's
// prefix (Strip bytes of the URI), or, in a regex location (Strip < 0),
// the whole URI.
type Alias struct {
	Path  Template
	Strip int
	// Location is the location's name, for nginx's "where URI was
	// rewritten" error.
	Location string
}

// tryFiles handles try_files file ... uri|=code (server and location; not
// inherited, as nginx does not merge it).
func (b *builder) tryFiles(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	tf := &TryFiles{Pos: d.pos}
	n := len(d.args)
	for i := 0; i < n-1; i++ {
		name := d.arg(i)
		f := TryFile{}
		if strings.HasSuffix(name, "/") {
			f.Dir = true
			name = name[:len(name)-1]
		}
		t, err := ParseTemplate(name)
		if err != nil {
			return errf(d.pos, "%s", err.Error())
		}
		f.Name = t
		tf.Files = append(tf.Files, f)
	}
	last := d.arg(n - 1)
	if strings.HasPrefix(last, "=") {
		code, ok := parseDigits(last[1:])
		if !ok || code > 999 {
			return errf(d.pos, "invalid code \"%s\"", last)
		}
		tf.Code = int(code)
	} else {
		t, err := ParseTemplate(last)
		if err != nil {
			return errf(d.pos, "%s", err.Error())
		}
		tf.Fallback = t
	}
	s.lvl.flow.tryFiles = tf
	return nil
}

// alias handles alias PATH (location only), with ngx_http_core_root's
// messages when root was given at the same level.
func (b *builder) alias(s *scope, d *directive) error {
	if s.lvl.seen["root"] {
		return errf(d.pos, "\"alias\" directive is duplicate, \"root\" directive was specified earlier")
	}
	if err := once(s, d); err != nil {
		return err
	}
	if s.loc.Modifier == ModNamed {
		return errf(d.pos, "the \"alias\" directive cannot be used inside the named location")
	}
	t, err := ParseTemplate(d.arg(0))
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	a := &Alias{Path: t, Strip: len(s.loc.Pattern), Location: s.loc.Pattern}
	if s.loc.Regex != nil {
		a.Strip = -1
	}
	s.lvl.flow.alias = a
	return nil
}
