package difftest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Case is one parsed case file: a config, extra files, requests and
// error-log expectations.
type Case struct {
	// Name is "<area>/<name>", the path under testdata/cases without ".txt".
	Name string
	// Comment is the header before the first section: what the case shows.
	Comment string
	// Main replaces the default "worker_processes 1;" main-context line.
	Main string
	// HTTP is the body of the http {} block, with {{PORT}} unsubstituted.
	HTTP string
	// Files maps a path relative to the prefix (e.g. "lua/mod.lua") to its content.
	Files map[string]string
	// Requests are sent in order, each on its own connection.
	Requests []Request
	// Errlog lists substrings looked for in error.log ("!x" = must be absent).
	Errlog []string
	// Logs are files (paths relative to the prefix, e.g. "logs/access.log")
	// whose lines are compared once the server stopped, times masked.
	Logs []string
	// Emerg lists substrings expected on stderr of a server that must fail
	// to start; when non-empty the case sends no requests.
	Emerg []string
	// Certs are certificates the harness makes before the server starts.
	Certs []CertSpec
}

// Request is one connection's worth of input.
type Request struct {
	// Raw is true for a -- raw -- section: Data is sent verbatim and the
	// whole response is compared byte for byte (dates masked).
	Raw bool
	// Data is the exact bytes written to the connection.
	Data []byte
	// Method is the request method of a simple request (HEAD has no body).
	Method string
	// TLS is set for a "request tls ..." or "raw tls ..." section.
	TLS *TLSOptions
	// Port2 sends it to {{PORT2}} ("request port2 ...", "raw tls port2").
	Port2 bool
}

// sectionRE matches a section marker line such as "-- lua/mod.lua --".
var sectionRE = regexp.MustCompile(`^-- (.+) --$`)

// httpBodyFirstLine is the nginx.conf line number of the first line of a
// case's -- http -- section (see BuildConfig).
const httpBodyFirstLine = 10

// ParseCase parses the text of a case file named name.
func ParseCase(name string, data []byte) (*Case, error) {
	c := &Case{Name: name, Files: map[string]string{}}
	type section struct {
		title string
		lines []string
		line  int
	}
	var secs []section
	var comment []string
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i, ln := range lines {
		if m := sectionRE.FindStringSubmatch(ln); m != nil {
			secs = append(secs, section{title: strings.TrimSpace(m[1]), line: i + 1})
			continue
		}
		if len(secs) == 0 {
			comment = append(comment, ln)
			continue
		}
		secs[len(secs)-1].lines = append(secs[len(secs)-1].lines, ln)
	}
	c.Comment = strings.TrimSpace(strings.Join(comment, "\n"))
	for _, s := range secs {
		text := strings.Join(s.lines, "\n")
		var err error
		switch {
		case s.title == "http":
			c.HTTP = text
		case s.title == "main":
			c.Main = strings.TrimSpace(text)
		case s.title == "errlog":
			c.Errlog = nonEmptyLines(text)
		case s.title == "emerg":
			c.Emerg = nonEmptyLines(text)
		case s.title == "logs":
			c.Logs = nonEmptyLines(text)
			for _, l := range c.Logs {
				if strings.Contains(l, "..") || strings.HasPrefix(l, "/") {
					err = fmt.Errorf("log file %q must be a path inside the prefix", l)
				}
			}
		case s.title == "certs":
			c.Certs, err = parseCerts(text)
		case strings.Fields(s.title)[0] == "request":
			var r Request
			r, err = parseSimpleRequest(text)
			if err == nil {
				err = r.parseTitle(strings.Fields(s.title)[1:])
			}
			c.Requests = append(c.Requests, r)
		case strings.Fields(s.title)[0] == "raw":
			var b []byte
			b, err = unescapeRaw(text)
			r := Request{Raw: true, Data: b}
			if err == nil {
				err = r.parseTitle(strings.Fields(s.title)[1:])
			}
			c.Requests = append(c.Requests, r)
		case strings.Contains(s.title, "/") && !strings.Contains(s.title, ".."):
			c.Files[s.title] = text
		default:
			err = fmt.Errorf("unknown section %q", s.title)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, s.line, err)
		}
	}
	if c.HTTP == "" {
		return nil, fmt.Errorf("%s: no -- http -- section", name)
	}
	for _, r := range c.Requests {
		if r.Port2 && !strings.Contains(c.HTTP, "{{PORT2}}") {
			return nil, fmt.Errorf("%s: a request goes to port2 but the http section never listens on {{PORT2}}", name)
		}
	}
	if !strings.Contains(c.HTTP, "{{PORT}}") {
		return nil, fmt.Errorf("%s: the http section never listens on {{PORT}}", name)
	}
	if len(c.Requests) == 0 && len(c.Emerg) == 0 {
		return nil, fmt.Errorf("%s: no -- request --, -- raw -- or -- emerg -- section", name)
	}
	if len(c.Requests) > 0 && len(c.Emerg) > 0 {
		return nil, fmt.Errorf("%s: a case with -- emerg -- sends no requests", name)
	}
	return c, nil
}

// nonEmptyLines returns the lines of text that are not blank, trimmed.
func nonEmptyLines(text string) []string {
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			out = append(out, ln)
		}
	}
	return out
}

// parseSimpleRequest turns "GET /p HTTP/1.1\nHeader: v\n\nbody" into wire
// bytes, adding Host, Connection: close and Content-Length when missing.
func parseSimpleRequest(text string) (Request, error) {
	text = strings.TrimLeft(text, "\n")
	head, body, _ := strings.Cut(text, "\n\n")
	body = strings.TrimRight(body, "\n")
	hl := strings.Split(strings.TrimRight(head, "\n"), "\n")
	f := strings.Fields(hl[0])
	if len(f) < 2 || len(f) > 3 {
		return Request{}, fmt.Errorf("request line %q: want METHOD TARGET [VERSION]", hl[0])
	}
	version := "HTTP/1.1"
	if len(f) == 3 {
		version = f[2]
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", f[0], f[1], version)
	has := map[string]bool{}
	for _, h := range hl[1:] {
		name, _, ok := strings.Cut(h, ":")
		if !ok {
			return Request{}, fmt.Errorf("header line %q has no colon", h)
		}
		has[strings.ToLower(strings.TrimSpace(name))] = true
		b.WriteString(h + "\r\n")
	}
	if !has["host"] {
		b.WriteString("Host: localhost\r\n")
	}
	if !has["connection"] {
		b.WriteString("Connection: close\r\n")
	}
	if body != "" && !has["content-length"] && !has["transfer-encoding"] {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return Request{Data: b.Bytes(), Method: f[0]}, nil
}

// unescapeRaw joins the lines of a raw section (the newlines of the file
// are dropped) and decodes \r \n \t \\ and \xHH.
func unescapeRaw(text string) ([]byte, error) {
	s := strings.ReplaceAll(text, "\n", "")
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf("short \\x escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad \\x escape: %w", err)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return out, nil
}

// BuildConfig returns the full nginx.conf for c listening on port. The
// http section's first line is nginx.conf line httpBodyFirstLine, so Lua
// chunk names such as content_by_lua(nginx.conf:N) are stable.
func (c *Case) BuildConfig(port, port2 int) string {
	main := c.Main
	if main == "" {
		main = "worker_processes 1;"
	}
	var b strings.Builder
	b.WriteString("load_module /usr/lib/nginx/modules/ndk_http_module.so;\n")     // 1
	b.WriteString("load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\n") // 2
	b.WriteString("daemon off;\n")                                                // 3
	b.WriteString("pid logs/nginx.pid;\n")                                        // 4
	b.WriteString("error_log logs/error.log info;\n")                             // 5
	b.WriteString("events {}\n")                                                  // 6
	b.WriteString("http {\n")                                                     // 7
	b.WriteString("access_log off;\n")                                            // 8
	b.WriteString("lua_package_path \"$prefix/lua/?.lua;;\";\n")                  // 9
	http := strings.ReplaceAll(c.HTTP, "{{PORT2}}", strconv.Itoa(port2))
	b.WriteString(strings.ReplaceAll(http, "{{PORT}}", strconv.Itoa(port))) // 10...
	b.WriteString("\n}\n")
	b.WriteString(main + "\n")
	return b.String()
}

// WritePrefix creates conf/, logs/ and the case's extra files under prefix.
func (c *Case) WritePrefix(prefix string, port, port2 int) error {
	for _, d := range []string{"conf", "logs"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			return fmt.Errorf("write prefix: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(prefix, "conf", "nginx.conf"), []byte(c.BuildConfig(port, port2)), 0o644); err != nil {
		return fmt.Errorf("write prefix: %w", err)
	}
	for _, spec := range c.Certs {
		certPEM, keyPEM, err := makeCert(spec)
		if err != nil {
			return fmt.Errorf("write prefix: make certificate %s: %w", spec.Path, err)
		}
		base := filepath.Join(prefix, filepath.FromSlash(spec.Path))
		if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
			return fmt.Errorf("write prefix: %w", err)
		}
		if err := os.WriteFile(base+".crt", certPEM, 0o644); err != nil {
			return fmt.Errorf("write prefix: %w", err)
		}
		if err := os.WriteFile(base+".key", keyPEM, 0o644); err != nil { // test keys: nginx's workers (nobody) read them per handshake
			return fmt.Errorf("write prefix: %w", err)
		}
	}
	for name, text := range c.Files {
		p := filepath.Join(prefix, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write prefix: %w", err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return fmt.Errorf("write prefix: %w", err)
		}
	}
	return nil
}

// parseTitle reads a request section's options after "request" or "raw":
// "tls" and its options (TLSOptions), and "port2".
func (r *Request) parseTitle(fields []string) error {
	var tlsOpts []string
	isTLS := false
	for _, f := range fields {
		switch {
		case f == "port2":
			r.Port2 = true
		case f == "tls":
			isTLS = true
		default:
			tlsOpts = append(tlsOpts, f)
		}
	}
	if !isTLS {
		if len(tlsOpts) > 0 {
			return fmt.Errorf("request options %q without tls", tlsOpts)
		}
		return nil
	}
	var err error
	r.TLS, err = parseTLSTitle(tlsOpts)
	return err
}

// uses2 reports whether the case listens on a second port.
func (c *Case) uses2() bool { return strings.Contains(c.HTTP, "{{PORT2}}") }
