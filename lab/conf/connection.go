package conf

import "time"

// ConnSettings are the inherited settings of how a response goes out and
// how its connection ends.
type ConnSettings struct {
	// PostponeOutput is postpone_output: output waits until this much is
	// pending (0: sent at once).
	PostponeOutput int64
	// ClientBodyTimeout and SendTimeout are client_body_timeout and
	// send_timeout: the longest pause between two reads of the request
	// body and two writes of the response.
	ClientBodyTimeout time.Duration
	SendTimeout       time.Duration
	// KeepaliveHeader is keepalive_timeout's second value: a kept-alive
	// response says "Keep-Alive: timeout=N" (0: no header).
	KeepaliveHeader time.Duration
	// LingeringClose is lingering_close on|off|always; LingeringTime and
	// LingeringTimeout are lingering_time and lingering_timeout.
	LingeringClose   string
	LingeringTime    time.Duration
	LingeringTimeout time.Duration
}

// defaultConn holds nginx's defaults.
var defaultConn = ConnSettings{PostponeOutput: 1460, ClientBodyTimeout: 60 * time.Second, SendTimeout: 60 * time.Second,
	LingeringClose: "on", LingeringTime: 30 * time.Second, LingeringTimeout: 5 * time.Second}

// connLevel holds the ConnSettings given at one level.
type connLevel struct {
	postpone                                       *int64
	bodyTimeout, sendTimeout, kaHeader, lingerTime *time.Duration
	lingerTimeout                                  *time.Duration
	linger                                         *string
}

// merge returns the child's settings: its own where given, else p's.
func (p ConnSettings) merge(l *connLevel) ConnSettings {
	c := p
	if l.postpone != nil {
		c.PostponeOutput = *l.postpone
	}
	if l.linger != nil {
		c.LingeringClose = *l.linger
	}
	c.ClientBodyTimeout = durationOrDefault(l.bodyTimeout, c.ClientBodyTimeout)
	c.SendTimeout = durationOrDefault(l.sendTimeout, c.SendTimeout)
	c.KeepaliveHeader = durationOrDefault(l.kaHeader, c.KeepaliveHeader)
	c.LingeringTime = durationOrDefault(l.lingerTime, c.LingeringTime)
	c.LingeringTimeout = durationOrDefault(l.lingerTimeout, c.LingeringTimeout)
	return c
}

// connSpecs adds the connection directives to m, and the temp paths, which
// the lab accepts and does not use (request bodies stay in memory).
func connSpecs(m map[string]spec) {
	m["postpone_output"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).postponeOutput}
	for _, n := range []string{"client_body_timeout", "send_timeout", "lingering_time", "lingering_timeout"} {
		m[n] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).connTimeout}
	}
	m["lingering_close"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).lingeringClose}
	for _, n := range []string{"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"} {
		m[n] = spec{ctx: cHSL, min: 1, max: 4, fn: (*builder).tempPath}
	}
}

// postponeOutput handles postpone_output SIZE.
func (b *builder) postponeOutput(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseSize(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	s.lvl.resp.conn.postpone = &n
	return nil
}

// connTimeout handles client_body_timeout, send_timeout, lingering_time
// and lingering_timeout TIME.
func (b *builder) connTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v, ok := parseTime(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	c := &s.lvl.resp.conn
	switch d.name {
	case "client_body_timeout":
		c.bodyTimeout = &v
	case "send_timeout":
		c.sendTimeout = &v
	case "lingering_time":
		c.lingerTime = &v
	default:
		c.lingerTimeout = &v
	}
	return nil
}

// lingeringClose handles lingering_close off|on|always.
func (b *builder) lingeringClose(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v, ok := enumValue(d.arg(0), "off", "on", "always")
	if !ok {
		return errf(d.pos, "invalid value \"%s\"", d.arg(0)) // ngx_conf_set_enum_slot's words
	}
	s.lvl.resp.conn.linger = &v
	return nil
}

// tempPath handles *_temp_path PATH [LEVEL1 [LEVEL2 [LEVEL3]]] as
// ngx_conf_set_path_slot checks it: each level a positive number, and
// the levels' digits and slashes at most 10 characters more than their
// count. The lab keeps request bodies in memory and writes no temp files.
func (b *builder) tempPath(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n := 0
	for i, a := range d.args[1:] {
		lv, ok := parseDigits(a.s)
		if !ok || lv == 0 {
			return errf(d.pos, "\"%s\" directive invalid value", d.name)
		}
		n += int(lv) + 1
		if n > 10+i+1 {
			return errf(d.pos, "\"%s\" directive invalid value", d.name)
		}
	}
	return nil
}

// enumValue matches v against the allowed values without case, as
// ngx_conf_set_enum_slot does, and returns the canonical spelling.
func enumValue(v string, allowed ...string) (string, bool) {
	for _, a := range allowed {
		if len(a) == len(v) && equalFoldASCII(a, v) {
			return a, true
		}
	}
	return "", false
}

// equalFoldASCII compares two strings ignoring ASCII case.
func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
