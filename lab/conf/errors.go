package conf

import "fmt"

// Error is a configuration error in nginx's own words and form:
// "MESSAGE in /abs/path/nginx.conf:12". Load returns it unwrapped so that the
// text after nginx's "[emerg] " prefix matches what real nginx prints.
type Error struct {
	// Msg is the message without position, e.g. `unknown directive "foo"`.
	Msg string
	// Pos is where nginx would report it; zero for errors nginx prints
	// without a position.
	Pos Pos
}

// Error formats the error as nginx does.
func (e *Error) Error() string {
	if e.Pos.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.Pos.File, e.Pos.Line)
}

// Diagnostic is a problem that does not stop the configuration from
// loading: a Lua syntax error in a request-phase handler (ngx_lua reports it
// only when a request runs the handler), a missing *_by_lua_file, or an
// alert nginx prints while it reads the configuration (Alert).
type Diagnostic struct {
	// Alert marks what nginx itself says at start-up, as an [alert]
	// ("lua_code_cache is off; ..."), not Lua that fails later.
	Alert bool
	// Warn marks a [warn] nginx prints while it reads the configuration
	// ("low address bits of 10.0.0.1/8 are meaningless").
	Warn bool
	// Pos is the file line of the problem (for Lua: directive line + Lua line - 1).
	Pos Pos
	// Message is what ngx_lua would say, with the chunk-relative position,
	// e.g. "content_by_lua(nginx.conf:10):4: syntax error near 'end'".
	Message string
}

// errf builds an *Error at pos.
func errf(pos Pos, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), Pos: pos}
}
