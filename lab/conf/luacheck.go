package conf

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// luaSyntaxError compiles code with gopher-lua's parser and compiler and
// returns ngx_lua-style text "CHUNK:LINE: MESSAGE" and the chunk line, or
// ok == true when the code compiles.
//
// The fork's parser words and places syntax errors as LuaJIT's ("unexpected
// symbol near 'x'", "'end' expected (to close 'if' at line 2) near
// '<eof>'"); a limit ("chunk has too many syntax levels") has no "near".
func luaSyntaxError(code, chunk string) (msg string, line int, ok bool) {
	defer func() {
		// gopher-lua's compiler panics on some inputs it did not expect;
		// a configuration must never crash the loader.
		if r := recover(); r != nil {
			msg, line, ok = fmt.Sprintf("%s: compiler failure: %v", chunk, r), 1, false
		}
	}()
	stmts, err := parse.Parse(strings.NewReader(code), chunk)
	if err == nil {
		_, err = lua.Compile(stmts, "="+chunk) // messages name it chunk
	}
	if err == nil {
		return "", 0, true
	}
	var pe *parse.Error
	var ce *lua.CompileError
	switch {
	case errors.As(err, &pe):
		if pe.Token == "" {
			return fmt.Sprintf("%s:%d: %s", chunk, pe.Pos.Line, pe.Message), pe.Pos.Line, false
		}
		return fmt.Sprintf("%s:%d: %s near '%s'", chunk, pe.Pos.Line, pe.Message, pe.Token), pe.Pos.Line, false
	case errors.As(err, &ce):
		return fmt.Sprintf("%s:%d: %s", chunk, ce.Line, ce.Message), ce.Line, false
	}
	return fmt.Sprintf("%s: %v", chunk, err), 1, false
}
