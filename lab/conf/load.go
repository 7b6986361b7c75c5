package conf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Limits that keep a hostile or broken configuration from hurting the loader.
const (
	// MaxFileSize is the largest configuration or Lua file read.
	MaxFileSize = 4 << 20
	// MaxIncludeDepth bounds include recursion (nginx has no bound and loops).
	MaxIncludeDepth = 16
	// MaxWorkers is the largest worker_processes the lab runs.
	MaxWorkers = 8
)

// Load reads the configuration file at path (absolute or relative to the
// working directory) with the server prefix prefix (the directory of the
// file when ""), and returns the resolved configuration, diagnostics for
// Lua code that will fail at request time, and an *Error worded as nginx
// words it when the configuration is invalid.
func Load(path, prefix string) (*Config, []Diagnostic, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve configuration path %q: %w", path, err)
	}
	src, err := readFile(abs)
	if err != nil {
		return nil, nil, &Error{Msg: openError(abs, err)}
	}
	return LoadSource(abs, src, prefix)
}

// LoadConfined is Load for untrusted configurations (a learner's
// workspace): every file it reads (includes, *_by_lua_file) must lie inside
// root, else the read fails as nginx reports a permission error, so a
// configuration cannot pull in, or echo back in an error, a file of the
// machine.
func LoadConfined(path, prefix, root string) (*Config, []Diagnostic, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve configuration path %q: %w", path, err)
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve root %q: %w", root, err)
	}
	if r, err := filepath.EvalSymlinks(rootAbs); err == nil {
		rootAbs = r
	}
	if !inside(rootAbs, abs) {
		return nil, nil, &Error{Msg: openError(abs, syscall.EACCES)}
	}
	src, err := readFile(abs)
	if err != nil {
		return nil, nil, &Error{Msg: openError(abs, err)}
	}
	return loadSource(abs, src, prefix, rootAbs)
}

// inside reports whether path (resolved through symlinks when it exists)
// lies in the directory root.
func inside(root, path string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && filepath.IsLocal(rel)
}

// LoadSource is Load for a configuration already in memory: file is the
// absolute path it is named by in messages and chunk names; includes and
// *_by_lua_file are still read from disk.
func LoadSource(file string, src []byte, prefix string) (*Config, []Diagnostic, error) {
	return loadSource(file, src, prefix, "")
}

func loadSource(file string, src []byte, prefix, root string) (*Config, []Diagnostic, error) {
	if prefix == "" {
		prefix = filepath.Dir(file)
	} else if p, err := filepath.Abs(prefix); err == nil {
		prefix = p
	}
	b := newBuilder(file, prefix)
	b.confineTo = root
	if err := b.parseFile(newLexer(file, src), b.main); err != nil {
		return nil, b.diags, err
	}
	if err := b.finish(); err != nil {
		return nil, b.diags, err
	}
	return b.cfg, b.diags, nil
}

// readFile reads a regular file of at most MaxFileSize bytes.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EINVAL}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EFBIG}
	}
	return data, nil
}

// strerror words an errno as C's strerror does ("No such file or directory").
func strerror(err error) (int, string) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return int(errno), s
	}
	return 0, err.Error()
}

// openError is nginx's message for a file it cannot open.
func openError(path string, err error) string {
	n, s := strerror(err)
	return fmt.Sprintf("open() \"%s\" failed (%d: %s)", path, n, s)
}

// parseFile parses directives until the end of a file (main file or
// include) in scope s; a '}' at top level is an error.
func (b *builder) parseFile(lx *lexer, s *scope) error {
	return b.parseBlock(lx, s, false)
}

// parseBlock parses directives until the '}' that closes the current block
// (inBlock) or the end of the file, calling each directive's handler as soon
// as it is read, as nginx does, so that errors come in nginx's order.
func (b *builder) parseBlock(lx *lexer, s *scope, inBlock bool) error {
	for {
		words, kind, err := lx.next()
		if err != nil {
			return err
		}
		switch kind {
		case tokEOF:
			if inBlock {
				return errf(lx.at(lx.line), `unexpected end of file, expecting "}"`)
			}
			return nil
		case tokBlockDone:
			if !inBlock {
				return errf(lx.at(lx.line), `unexpected "}"`)
			}
			return nil
		}
		d := &directive{name: words[0].s, args: words[1:], kind: kind, pos: lx.at(lx.line), lx: lx}
		if err := b.handle(s, d); err != nil {
			return err
		}
	}
}

// include handles the include directive: a file or a glob, relative to the
// directory of the main configuration file (nginx's conf prefix).
func (b *builder) include(s *scope, d *directive) error {
	if b.depth >= MaxIncludeDepth {
		return errf(d.pos, "include nesting deeper than %d", MaxIncludeDepth)
	}
	pattern := d.args[0].s
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(b.confDir, pattern)
	}
	files := []string{pattern}
	if strings.ContainsAny(pattern, "*?[") {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return errf(d.pos, "glob() \"%s\" failed (%v)", pattern, err)
		}
		files = m // sorted, as glob(3) sorts
	}
	for _, f := range files {
		src, err := b.readFile(f)
		if err != nil {
			return errf(d.pos, "%s", openError(f, err))
		}
		b.depth++
		err = b.parseFile(newLexer(f, src), s)
		b.depth--
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadFile reads a *_by_lua_file's file again, as ngx_lua does in each
// request's fresh VM when lua_code_cache is off; a configuration loaded
// confined reads it only inside its root. The error is ngx_lua's "cannot
// open PATH: REASON".
func (c *LuaCode) ReadFile() (string, error) {
	if c.Path == "" {
		return "", fmt.Errorf("%s is not a *_by_lua_file", c.Directive)
	}
	var src []byte
	var err error = syscall.EACCES
	if c.root == "" || inside(c.root, c.Path) {
		src, err = readFile(c.Path)
	}
	if err != nil {
		_, reason := strerror(err)
		return "", &openErr{msg: fmt.Sprintf("cannot open %s: %s", c.Path, reason)}
	}
	return string(src), nil
}

// FileFor returns the LuaCode of the file a *_by_lua_file with variables
// in its path names for one request: value is PathTpl expanded with the
// request's variables. A relative value is rebased on the prefix by plain
// concatenation, as ngx_http_lua_rebase_path does ("lua/../x.lua" stays as
// written, so error_log names it as nginx does). The file is not read.
func (c *LuaCode) FileFor(value string) *LuaCode {
	path := value
	if !strings.HasPrefix(path, "/") {
		path = strings.TrimSuffix(c.prefix, "/") + "/" + path
	}
	return &LuaCode{Directive: c.Directive, Pos: c.Pos, Path: path, ChunkName: path, Line: 1,
		Lazy: true, root: c.root, prefix: c.prefix}
}

// OpenFailed reports whether err, from ReadFile, says the file could not be
// opened (ngx_lua's LUA_ERRFILE: 404 in the rewrite, access and content
// phases) rather than that it does not compile.
func OpenFailed(err error) bool {
	var oe *openErr
	return errors.As(err, &oe)
}

// openErr is ReadFile's "cannot open PATH: REASON".
type openErr struct{ msg string }

func (e *openErr) Error() string { return e.msg }

// readFile reads a file the configuration names, within b.confineTo if set.
func (b *builder) readFile(path string) ([]byte, error) {
	if b.confineTo != "" && !inside(b.confineTo, path) {
		return nil, syscall.EACCES
	}
	return readFile(path)
}
