package conf

// Source is the name the code is loaded under, as ngx_lua gives it to
// LuaJIT: "=content_by_lua(nginx.conf:12)" for a block or inline code
// (messages print it without the "="), "@/prefix/lua/x.lua" for a file
// (printed as the path, a long one cut to "..." and its end).
func (c *LuaCode) Source() string {
	if c.Path != "" {
		return "@" + c.Path
	}
	return "=" + c.ChunkName
}
