package conf

import (
	"regexp"
	"time"
)

// Config is a loaded nginx.conf: the main context, the events block and the
// http block. Every value the engine uses is resolved here (defaults filled
// in), so the engine never looks at raw directives.
type Config struct {
	// File is the absolute path of the main configuration file.
	File string
	// Prefix is the server prefix (nginx -p); relative paths resolve against it.
	Prefix string

	// WorkerProcesses is the number of workers (1..8; "auto" means the CPU count, capped at 8).
	WorkerProcesses int
	// ErrorLog is where error_log writes: a path (resolved against Prefix) or "stderr".
	ErrorLog string
	// ErrorLogLevel is the lowest level written: debug, info, notice, warn, error, crit, alert, emerg.
	ErrorLogLevel string
	// WorkerConnections is events { worker_connections N } (default 512, as nginx).
	WorkerConnections int
	// MultiAccept is events { multi_accept on } (default off, as nginx): a
	// worker woken by a listening socket accepts every pending connection,
	// not just one.
	MultiAccept bool

	// Env are the env directives in file order: an nginx worker's
	// environment holds only TZ and the variables they name.
	Env []EnvVar

	// ThreadPools are the thread_pool directives, in file order.
	ThreadPools []ThreadPool

	// HTTP is the http block; nil when the file has none.
	HTTP *HTTP
}

// HTTP is the http {} block.
type HTTP struct {
	// Maps are the map blocks by the variable they make (without '$').
	Maps map[string]*Map `json:",omitempty"`
	// SharedDicts are the lua_shared_dict zones, in file order.
	SharedDicts []SharedDict
	// InitByLua and InitWorkerByLua are nil when absent.
	InitByLua       *LuaCode
	InitWorkerByLua *LuaCode
	// LuaPackagePath is lua_package_path ("" when absent; ";;" means the default path).
	LuaPackagePath string
	// LuaCodeCache is lua_code_cache at http level (default true); servers
	// and locations hold their effective value.
	LuaCodeCache bool
	// CodeCacheOff are the "lua_code_cache off" directives, in file order.
	CodeCacheOff []Pos
	// MaxPendingTimers and MaxRunningTimers are lua_max_pending_timers
	// (1024) and lua_max_running_timers (256).
	MaxPendingTimers int
	MaxRunningTimers int
	// RegexMatchLimit is lua_regex_match_limit (0: PCRE's default).
	RegexMatchLimit int
	// RegexCacheMaxEntries is lua_regex_cache_max_entries (1024): how many
	// regexes compiled with the "o" option ngx.re keeps.
	RegexCacheMaxEntries int
	// MallocTrim is lua_malloc_trim (accepted; Go's GC owns the memory).
	MallocTrim int
	// RewriteNoPostpone and AccessNoPostpone are rewrite_by_lua_no_postpone
	// and access_by_lua_no_postpone (accepted; nothing runs after the Lua
	// handler of those phases in the lab, so they change nothing).
	RewriteNoPostpone, AccessNoPostpone bool

	// DefaultType is default_type at http level (default "text/plain", as nginx without mime.types).
	DefaultType string
	// KeepaliveTimeout is keepalive_timeout (default 75s; 0 disables keep-alive).
	KeepaliveTimeout time.Duration
	// ClientMaxBodySize is client_max_body_size in bytes (default 1m; 0 means no limit).
	ClientMaxBodySize int64
	// ClientHeaderTimeout is client_header_timeout (default 60s): how long
	// a client may take to send a request's header.
	ClientHeaderTimeout time.Duration

	// LogFormats are the log_format directives by name, with "combined".
	LogFormats map[string]*LogFormat
	// AccessLogs are the effective access_log directives at http level
	// (nginx's default: logs/access.log combined; none after "access_log
	// off"); servers and locations hold their own effective lists.
	AccessLogs []*AccessLog
	// AccessLogFiles are the paths of every access_log directive, in file
	// order, turned off or not: nginx creates each at start-up.
	AccessLogFiles []string

	// Lua are the ngx_lua on|off settings at http level.
	Lua LuaFlags

	// Phases holds the *_by_lua handlers given at http level (content_by_lua
	// is not allowed there); servers and locations inherit them per phase.
	Phases Handlers

	// Upstreams are the upstream {} blocks by name.
	Upstreams map[string]*Upstream
	// CachePaths are the proxy_cache_path zones, in file order.
	CachePaths []*CachePath `json:",omitempty"`
	// Servers are the server {} blocks in file order.
	Servers []*Server
}

// EnvVar is one "env NAME;" (the worker keeps the variable from nginx's own
// environment) or "env NAME=VALUE;" (the worker gets that value).
type EnvVar struct {
	Name  string
	Value string
	Set   bool // NAME=VALUE
	Pos   Pos
}

// SharedDict is one lua_shared_dict NAME SIZE.
type SharedDict struct {
	Name string
	Size int64 // bytes
	Pos  Pos
}

// Pos is a place in a configuration file: what an error message names.
type Pos struct {
	File string // as given to the loader or include (base name used in chunk names)
	Line int
}

// Listen is one listen directive.
type Listen struct {
	Addr string // "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080"
	// Declared is the address nginx.conf gave when the lab moved Addr (a
	// sandboxed instance serves on a port the lab chose); "" otherwise.
	Declared  string `json:",omitempty"`
	ReusePort bool
	Default   bool // default_server
	// SSL: "listen ... ssl" (TLS on this address); HTTP2: "http2" was
	// given (accepted; the lab speaks HTTP/1.1 only).
	SSL   bool `json:",omitempty"`
	HTTP2 bool `json:",omitempty"`
	Pos   Pos
}

// Server is one server {} block.
type Server struct {
	Listens     []Listen
	ServerNames []string
	// Rewrites are the rewrite-module directives at server level
	// (return, rewrite, set, set_by_lua*), in file order: nginx runs them in
	// the server-rewrite phase before location lookup.
	Rewrites []*RewriteOp
	// Locations are the top-level locations in file order (named ones included).
	Locations []*Location
	// Phases holds *_by_lua handlers given at server level; a location inherits
	// them when it sets none of the same phase.
	Phases Handlers
	// DefaultType, AddHeaders: server-level values (inherited by locations when
	// the location sets none).
	DefaultType string
	AddHeaders  []AddHeader
	// Root and Index are the static handler's root and index files
	// (effective values after inheritance; Root may be relative to Prefix).
	Root  string
	Index []string
	// Body holds the request body and connection settings (inherited).
	Body BodySettings
	// Response holds the response filters' settings (inherited).
	Response ResponseSettings
	// ClientMaxBodySize and KeepaliveTimeout are the effective values for
	// requests that match no location (inherited from http).
	ClientMaxBodySize int64
	KeepaliveTimeout  time.Duration
	// LuaCodeCache is the effective lua_code_cache at server level.
	LuaCodeCache bool
	// AccessLogs are the effective access_log directives (inherited as a
	// whole when the server has none); empty after "access_log off".
	AccessLogs []*AccessLog
	// Lua are the effective lua_need_request_body, lua_http10_buffering,
	// lua_socket_log_errors and lua_transform_underscores_in_response_headers.
	Lua LuaFlags
	// ClientHeaderTimeout is the effective client_header_timeout; the
	// default server of a listen address sets it for its connections.
	ClientHeaderTimeout time.Duration
	// Flow are the effective access and flow settings (nil: defaults).
	Flow *Flow `json:",omitempty"`
	// SSL are the effective TLS settings (used on "listen ... ssl" addresses).
	SSL *SSL `json:",omitempty"`
	Pos Pos

	// names are the compiled server_name matchers, in file order.
	names []serverName
}

// Modifier is a location's match modifier.
type Modifier int

// Location modifiers.
const (
	ModPrefix      Modifier = iota // location /path
	ModExact                       // location = /path
	ModPrefixNoRe                  // location ^~ /path
	ModRegex                       // location ~ re
	ModRegexNoCase                 // location ~* re
	ModNamed                       // location @name
	ModIf                          // an if block inside a location (never matched by lookup)
)

// Location is one location block.
type Location struct {
	Modifier Modifier
	// Pattern is the path prefix, exact path, regular expression or name (without '@').
	Pattern string
	// Rewrites are return/rewrite/set/set_by_lua* in file order (rewrite phase).
	Rewrites []*RewriteOp
	// Phases are the *_by_lua handlers of this location (after inheritance from
	// http and server level has been applied).
	Phases Handlers
	// DefaultType is the effective default_type (inherited).
	DefaultType string
	// AddHeaders are the effective add_header directives (inherited as nginx
	// does: only when this level defines none).
	AddHeaders []AddHeader
	// Internal is the internal directive: external requests get 404.
	Internal bool
	// Proxy is proxy_pass (nil when the location has none); ProxySettings
	// are the inherited proxy_* directives.
	Proxy         *ProxyPass
	ProxySettings ProxySettings
	// Root and Index are the static handler's root (may be relative to
	// Prefix) and index files, inherited.
	Root  string
	Index []string
	// Body holds the request body and connection settings (inherited).
	Body BodySettings
	// Response holds the response filters' settings (inherited).
	Response ResponseSettings
	// ClientMaxBodySize and KeepaliveTimeout are the effective values
	// (inherited from the enclosing location, server and http).
	ClientMaxBodySize int64
	KeepaliveTimeout  time.Duration
	// LuaCodeCache is the effective lua_code_cache (inherited).
	LuaCodeCache bool
	// AccessLogs are the effective access_log directives (inherited as a
	// whole when the location has none); empty after "access_log off".
	AccessLogs []*AccessLog
	// Lua are the effective ngx_lua on|off settings (inherited).
	Lua LuaFlags
	// Regex is the compiled pattern of a ~ or ~* location (nil otherwise).
	Regex *regexp.Regexp `json:"-"`
	// Locations are nested locations (nginx allows them inside prefix locations).
	Locations []*Location
	// Server is the enclosing server block; Parent the enclosing location
	// (nil at server level).
	Server *Server   `json:"-"`
	Parent *Location `json:"-"`
	// Flow are the effective access and flow settings (nil: defaults).
	Flow *Flow `json:",omitempty"`
	// Ifs are the location configurations of the if blocks inside this
	// one (ModIf; the request switches to one when its condition holds).
	Ifs []*Location `json:",omitempty"`
	Pos Pos
}

// Handlers are the Lua handlers of the request phases; nil fields are absent.
type Handlers struct {
	// ServerRewrite is server_rewrite_by_lua* (http and server level; a
	// server without one inherits the http level's): it runs in nginx's
	// server-rewrite phase, before location lookup.
	ServerRewrite *LuaCode `json:",omitempty"`
	Rewrite       *LuaCode
	Access        *LuaCode
	Content       *LuaCode
	HeaderFilter  *LuaCode
	BodyFilter    *LuaCode
	Log           *LuaCode
}

// LuaCode is Lua source taken from a *_by_lua_block, *_by_lua 'code' or
// *_by_lua_file directive.
type LuaCode struct {
	// Directive is the directive name, e.g. "content_by_lua_block".
	Directive string
	// Code is the Lua source. For a block it starts right after the opening
	// '{' so that line 1 of Code is the directive's line in the file.
	Code string
	// ChunkName is the name ngx_lua gives the chunk: "content_by_lua(nginx.conf:12)"
	// for blocks and inline code (base file name, directive line), or the
	// file path for *_by_lua_file.
	ChunkName string
	// Path is set for *_by_lua_file: the Lua file, resolved against Prefix.
	Path string
	// Line is the file line of the first line of Code (for a file: 1).
	Line int
	// Err is set when the code cannot be loaded (a Lua syntax error or a
	// missing *_by_lua_file): ngx_lua answers such requests with 500 and
	// logs "failed to load inlined Lua code: "+Err (or, for a file,
	// `failed to load external Lua file "PATH": `+Err).
	Err string
	// Missing is set when Err says the file could not be opened: ngx_lua
	// answers a rewrite, access or content request with 404 then, and a
	// file that does not compile with 500.
	Missing bool `json:",omitempty"`
	// PathTpl is set for a *_by_lua_file whose path holds variables
	// (`content_by_lua_file lua/$1.lua`): the file is found per request
	// (FileFor) and Path, ChunkName and Code stay empty here.
	PathTpl *Template `json:",omitempty"`
	// Lazy is set on the LuaCode FileFor returns: Code is not read yet; the
	// engine reads and compiles the file when it first runs it in a VM.
	Lazy bool `json:",omitempty"`
	Pos  Pos
	// root confines ReadFile (LoadConfined's root; "" when not confined).
	root string
	// prefix is the server prefix a relative PathTpl value is rebased on.
	prefix string
}

// RewriteOpKind says which rewrite-module directive a RewriteOp is.
type RewriteOpKind int

// Rewrite-module directives.
const (
	OpReturn   RewriteOpKind = iota // return code [text|URL] | return URL
	OpRewrite                       // rewrite regex replacement [flag]
	OpSet                           // set $var value
	OpSetByLua                      // set_by_lua_block $var { ... } (and set_by_lua / set_by_lua_file)
	OpIf                            // if (cond) { ... } (ifblock.go)
	OpBreak                         // break
)

// RewriteFlag is a rewrite directive's flag.
type RewriteFlag int

// Rewrite flags.
const (
	FlagNone      RewriteFlag = iota // no flag: go on with the next directive
	FlagLast                         // last
	FlagBreak                        // break
	FlagRedirect                     // redirect (302)
	FlagPermanent                    // permanent (301)
)

// RewriteOp is one rewrite-module directive.
type RewriteOp struct {
	Kind RewriteOpKind
	// Return: Code (0 when only a URL is given: 302), Text is the body text or
	// URL (may contain $variables; empty when absent).
	Code int
	Text string
	// Rewrite: Regex (PCRE syntax as written), Replacement, Flag.
	Regex       string
	Replacement string
	Flag        RewriteFlag
	// Set / SetByLua: Var is the variable name without '$'; Value is the
	// value template for set (may contain $variables); Lua is the code for
	// set_by_lua*, Args are the extra arguments given after the code.
	Var   string
	Value string
	Lua   *LuaCode
	Args  []string
	Pos   Pos

	// Re is the compiled Regex of a rewrite.
	Re *regexp.Regexp `json:"-"`
	// Tpl is the parsed template of Text (return), Replacement (rewrite,
	// without the final '?') or Value (set); ArgTpls are the parsed Args of
	// set_by_lua*.
	Tpl     Template
	ArgTpls []Template `json:"-"`
	// If: Cond, the directives of its block (Ops) and, at location
	// level, the if's own location configuration (Loc).
	Cond *IfCond      `json:",omitempty"`
	Ops  []*RewriteOp `json:",omitempty"`
	Loc  *Location    `json:"-"`
	// Redirect is set when a rewrite answers with a redirect: the
	// replacement starts with http://, https:// or $scheme, or the flag is
	// redirect or permanent.
	Redirect bool
	// DropArgs is set when the rewrite replacement ends with '?': the
	// original query string is not appended.
	DropArgs bool
}

// AddHeader is add_header NAME VALUE [always].
type AddHeader struct {
	Name   string
	Value  string // may contain $variables
	Always bool
	// Tpl is the parsed Value.
	Tpl Template
	Pos Pos
}

// BodySettings are the effective request-body and connection directives of
// a server or location.
type BodySettings struct {
	// ClientBodyBufferSize: a body larger than this goes to a temp file
	// (default 16k on 64-bit Linux).
	ClientBodyBufferSize int64
	// ClientBodyInFileOnly is off, on or clean.
	ClientBodyInFileOnly string
	// KeepaliveRequests is how many requests one connection serves (1000).
	KeepaliveRequests int
	// UnderscoresInHeaders accepts '_' in request header names (off).
	UnderscoresInHeaders bool
	// LuaCheckClientAbort is lua_check_client_abort (off): a client that
	// closes its connection while a Lua handler runs aborts the request
	// (or runs the ngx.on_abort callback).
	LuaCheckClientAbort bool
	// LimitRate and LimitRateAfter are limit_rate and limit_rate_after in
	// bytes (0: no limit): the response is sent at most LimitRate bytes a
	// second once LimitRateAfter bytes went out.
	LimitRate, LimitRateAfter int64
}
