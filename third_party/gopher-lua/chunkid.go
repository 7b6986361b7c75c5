package lua

import "strings"

// chunkIDSize is LuaJIT's LUA_IDSIZE: the longest name a source gets in
// messages, its terminating NUL included.
const chunkIDSize = 60

// ChunkID is the name that messages give the chunk loaded as source, as
// LuaJIT's lj_debug_shortname writes it: "=name" is name (cut to 59
// bytes), "@file" is file (a long one as "..." and its last 56 bytes),
// and anything else is code: [string "its first line"], cut at the first
// control character or at 45 bytes with "...".
func ChunkID(source string) string {
	switch {
	case strings.HasPrefix(source, "="):
		s := source[1:]
		if len(s) > chunkIDSize-1 {
			s = s[:chunkIDSize-1]
		}
		return s
	case strings.HasPrefix(source, "@"):
		s := source[1:]
		if len(s) >= chunkIDSize {
			s = "..." + s[len(s)-(chunkIDSize-4):]
		}
		return s
	}
	n := 0
	for n < chunkIDSize-12 && n < len(source) && source[n] >= ' ' {
		n++
	}
	if n < len(source) { // cut: at a control character or the size
		n = min(n, chunkIDSize-15)
		return `[string "` + source[:n] + `..."]`
	}
	return `[string "` + source + `"]`
}
