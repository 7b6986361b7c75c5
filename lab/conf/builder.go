package conf

import (
	"path/filepath"
	"strings"
	"time"
)

// ctxMask is the set of contexts a directive may appear in.
type ctxMask uint16

const (
	cMain ctxMask = 1 << iota
	cEvents
	cHTTP
	cServer
	cLocation
	cTypes
	cUpstream
	cSIF // an if block at server level
	cLIF // an if block in a location
	cMap // a map block's lines (mapblock.go)

	cHSL = cHTTP | cServer | cLocation
	cSL  = cServer | cLocation
	cIF  = cSIF | cLIF
)

// directive is one directive as read, before its handler runs.
type directive struct {
	name string
	args []word
	kind tokKind
	// pos is where nginx reports errors: the line of the ';' or '{'.
	pos Pos
	lx  *lexer
	// lua and luaLine are the body of a *_by_lua_block and the line of its '{'.
	lua     string
	luaLine int
}

func (d *directive) arg(i int) string { return d.args[i].s }

// spec describes a directive: where it may appear, how many arguments it
// takes (max < 0: no limit), whether it opens a block, and its handler.
type spec struct {
	ctx      ctxMask
	min, max int
	block    bool
	luaBlock bool
	anyForm  bool // a block or a simple directive alike (refused ones, labscope.go)
	fn       func(b *builder, s *scope, d *directive) error
}

// level holds the inheritable settings given at one level (http, server or
// location) and the directives seen there, for "is duplicate" checks.
type level struct {
	seen            map[string]bool
	defaultType     *string
	addHeaders      []AddHeader
	hasAddHeaders   bool
	maxBody         *int64
	keepalive       *time.Duration
	headerTimeout   *time.Duration
	root            *string
	index           []string
	proxyHeaders    []ProxyHeader
	hasProxyHeaders bool
	proxyVersion    *string
	proxyConnect    *time.Duration
	proxySend       *time.Duration
	proxyRead       *time.Duration
	bodyBuffer      *int64
	bodyInFile      *string
	kaRequests      *int
	underscores     *bool
	checkAbort      *bool
	limitRate       *int64
	limitRateAfter  *int64
	codeCache       *bool
	accessLogs      []*AccessLog
	accessLogSet    bool // an access_log directive (or off) at this level
	accessLogOff    bool
	luaFlags        map[string]bool // lua_need_request_body and the other LuaFlags set here
	phases          Handlers
	resp            responseLevel  // etag, if_modified_since, max_ranges (response.go)
	cache           cacheLevel     // proxy_cache* (proxycache.go)
	popts           proxyOptsLevel // proxy_hide_header and the like (proxyopts.go)
	flow            flowLevel      // allow, deny, satisfy (access.go)
	ssl             sslLevel       // ssl_* and ssl_*_by_lua (ssl.go)
}

func newLevel() *level { return &level{seen: map[string]bool{}} }

// scope is the context a directive is read in.
type scope struct {
	ctx ctxMask
	lvl *level
	srv *Server
	loc *Location
	up  *Upstream
	// mapping is the map block being read (ctx cMap).
	mapping *Map
	// ops: inside an if block, where its rewrite directives go.
	ops *[]*RewriteOp
}

// listenState tracks what has been declared for one listen address.
type listenState struct {
	defaultSet bool
	optionsSet bool
}

// builder turns directives into a Config as they are read.
type builder struct {
	cfg     *Config
	file    string
	prefix  string
	confDir string
	specs   map[string]spec
	diags   []Diagnostic
	depth   int

	main      *scope
	mainSeen  map[string]bool
	httpLevel *level
	srvLevels map[*Server]*level
	locLevels map[*Location]*level
	listens   map[string]*listenState
	dicts     map[string]bool
	proxies   []proxyRef // proxy_pass directives, resolved after the http block
	cacheRefs []cacheRef // proxy_cache zone names, checked after the http block
	confineTo string     // when set, files outside it cannot be read (LoadConfined)
}

func newBuilder(file, prefix string) *builder {
	b := &builder{
		cfg: &Config{
			File:              file,
			Prefix:            prefix,
			WorkerProcesses:   1,
			ErrorLog:          filepath.Join(prefix, "logs/error.log"),
			ErrorLogLevel:     "error",
			WorkerConnections: 512,
		},
		file:      file,
		prefix:    prefix,
		confDir:   filepath.Dir(file),
		specs:     directiveSpecs(),
		mainSeen:  map[string]bool{},
		srvLevels: map[*Server]*level{},
		locLevels: map[*Location]*level{},
		listens:   map[string]*listenState{},
		dicts:     map[string]bool{},
	}
	b.main = &scope{ctx: cMain, lvl: &level{seen: b.mainSeen}}
	return b
}

// handle checks a directive the way ngx_conf_handler does (known name,
// allowed context, terminator, argument count) and runs its handler.
func (b *builder) handle(s *scope, d *directive) error {
	if s.ctx == cMap {
		return b.mapLine(s, d) // mapblock.go
	}
	if s.ctx == cTypes {
		return b.mimeType(s, d) // types { mime/type ext ...; } (response.go)
	}
	if s.ctx == cUpstream && d.name == "server" {
		return b.upstreamServer(s, d) // "server" means a peer here
	}
	sp, ok := b.specs[d.name]
	if !ok {
		return errf(d.pos, "unknown directive \"%s\"", d.name)
	}
	if sp.ctx&s.ctx == 0 {
		return errf(d.pos, "\"%s\" directive is not allowed here", d.name)
	}
	if !sp.block && !sp.anyForm && d.kind != tokEnd {
		return errf(d.pos, "directive \"%s\" is not terminated by \";\"", d.name)
	}
	if sp.block && !sp.anyForm && d.kind != tokBlockStart {
		return errf(d.pos, "directive \"%s\" has no opening \"{\"", d.name)
	}
	if len(d.args) < sp.min || sp.max >= 0 && len(d.args) > sp.max {
		return errf(d.pos, "invalid number of arguments in \"%s\" directive", d.name)
	}
	if sp.luaBlock {
		d.luaLine = d.pos.Line
		code, err := d.lx.readLuaBlock(d.luaLine)
		if err != nil {
			return err
		}
		d.lua = code
	}
	return sp.fn(b, s, d)
}

// once marks a directive as seen at this level and reports nginx's
// "is duplicate" error on the second time.
func once(s *scope, d *directive) error {
	if s.lvl.seen[d.name] {
		return errf(d.pos, "\"%s\" directive is duplicate", d.name)
	}
	s.lvl.seen[d.name] = true
	return nil
}

// ignore is the handler of accepted but ignored directives.
func ignore(*builder, *scope, *directive) error { return nil }

// directiveSpecs is the supported directive set.
func directiveSpecs() map[string]spec {
	m := map[string]spec{
		// main context
		"load_module":          {ctx: cMain, min: 1, max: 1, fn: ignore},
		"pid":                  {ctx: cMain, min: 1, max: 1, fn: ignore},
		"user":                 {ctx: cMain, min: 1, max: 2, fn: ignore},
		"env":                  {ctx: cMain, min: 1, max: 1, fn: (*builder).env},
		"thread_pool":          {ctx: cMain, min: 2, max: 3, fn: (*builder).threadPool},
		"worker_rlimit_nofile": {ctx: cMain, min: 1, max: 1, fn: ignore},
		"daemon":               {ctx: cMain, min: 1, max: 1, fn: (*builder).flagIgnored},
		"error_log":            {ctx: cMain | cHSL, min: 1, max: -1, fn: (*builder).errorLog},
		"worker_processes":     {ctx: cMain, min: 1, max: 1, fn: (*builder).workerProcesses},
		"events":               {ctx: cMain, block: true, fn: (*builder).events},
		"http":                 {ctx: cMain, block: true, fn: (*builder).http},
		"include":              {ctx: cMain | cEvents | cHSL, min: 1, max: 1, fn: (*builder).include},

		// events
		"worker_connections": {ctx: cEvents, min: 1, max: 1, fn: (*builder).workerConnections},
		"multi_accept":       {ctx: cEvents, min: 1, max: 1, fn: (*builder).multiAccept},
		"accept_mutex":       {ctx: cEvents, min: 1, max: 1, fn: (*builder).flagIgnored},
		"use":                {ctx: cEvents, min: 1, max: 1, fn: ignore},

		// http, server, location
		"types":                                         {ctx: cHSL, block: true, fn: (*builder).types},
		"access_log":                                    {ctx: cHSL | cLIF, min: 1, max: -1, fn: (*builder).accessLog},
		"log_format":                                    {ctx: cHTTP, min: 2, max: -1, fn: (*builder).logFormat},
		"lua_package_path":                              {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaPackagePath},
		"lua_package_cpath":                             {ctx: cHTTP, min: 1, max: 1, fn: onceIgnored},
		"lua_code_cache":                                {ctx: cHSL | cLIF, min: 1, max: 1, fn: (*builder).luaCodeCache},
		"lua_shared_dict":                               {ctx: cHTTP, min: 2, max: 2, fn: (*builder).sharedDict},
		"lua_max_pending_timers":                        {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaNum},
		"lua_max_running_timers":                        {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaNum},
		"lua_regex_match_limit":                         {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaNum},
		"lua_regex_cache_max_entries":                   {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaNum},
		"lua_malloc_trim":                               {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaMallocTrim},
		"rewrite_by_lua_no_postpone":                    {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaHTTPFlag},
		"access_by_lua_no_postpone":                     {ctx: cHTTP, min: 1, max: 1, fn: (*builder).luaHTTPFlag},
		"lua_need_request_body":                         {ctx: cHSL | cLIF, min: 1, max: 1, fn: (*builder).luaFlag},
		"lua_http10_buffering":                          {ctx: cHSL, min: 1, max: 1, fn: (*builder).luaFlag},
		"lua_socket_log_errors":                         {ctx: cHSL, min: 1, max: 1, fn: (*builder).luaFlag},
		"lua_transform_underscores_in_response_headers": {ctx: cHSL, min: 1, max: 1, fn: (*builder).luaFlag},
		"default_type":                                  {ctx: cHSL, min: 1, max: 1, fn: (*builder).defaultType},
		"keepalive_timeout":                             {ctx: cHSL, min: 1, max: 2, fn: (*builder).keepaliveTimeout},
		"client_max_body_size":                          {ctx: cHSL, min: 1, max: 1, fn: (*builder).clientMaxBodySize},
		"client_header_timeout":                         {ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).clientHeaderTimeout},
		"sendfile":                                      {ctx: cHSL, min: 1, max: 1, fn: (*builder).flagIgnored},
		"tcp_nopush":                                    {ctx: cHSL, min: 1, max: 1, fn: (*builder).flagIgnored},
		"tcp_nodelay":                                   {ctx: cHSL, min: 1, max: 1, fn: (*builder).flagIgnored},
		"server_tokens":                                 {ctx: cHSL, min: 1, max: 1, fn: (*builder).serverTokens},
		"valid_referers":                                {ctx: cSL, min: 1, max: -1, fn: (*builder).validReferers},
		"add_header":                                    {ctx: cHSL | cLIF, min: 2, max: 3, fn: (*builder).addHeader},
		"root":                                          {ctx: cHSL | cLIF, min: 1, max: 1, fn: (*builder).root},
		"upstream":                                      {ctx: cHTTP, min: 1, max: 1, block: true, fn: (*builder).upstream},
		"keepalive":                                     {ctx: cUpstream, min: 1, max: 1, fn: (*builder).upstreamKeepalive},
		"balancer_by_lua_block":                         {ctx: cUpstream, block: true, luaBlock: true, fn: (*builder).balancerByLua},
		"balancer_by_lua_file":                          {ctx: cUpstream, min: 1, max: 1, fn: (*builder).balancerByLua},
		"proxy_pass":                                    {ctx: cLocation | cLIF, min: 1, max: 1, fn: (*builder).proxyPass},
		"internal":                                      {ctx: cLocation, min: 0, max: 0, fn: (*builder).internal},
		"proxy_set_header":                              {ctx: cHSL, min: 2, max: 2, fn: (*builder).proxySetHeader},
		"proxy_http_version":                            {ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyHTTPVersion},
		"proxy_connect_timeout":                         {ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyTimeout},
		"proxy_send_timeout":                            {ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyTimeout},
		"proxy_read_timeout":                            {ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyTimeout},
		"proxy_buffering":                               {ctx: cHSL, min: 1, max: 1, fn: (*builder).flagIgnored},
		"proxy_redirect":                                {ctx: cHSL, min: 1, max: 2, fn: ignore},
		"proxy_next_upstream":                           {ctx: cHSL, min: 1, max: -1, fn: ignore},
		"client_body_buffer_size":                       {ctx: cHSL, min: 1, max: 1, fn: (*builder).clientBodyBufferSize},
		"client_body_in_file_only":                      {ctx: cHSL, min: 1, max: 1, fn: (*builder).clientBodyInFileOnly},
		"keepalive_requests":                            {ctx: cHSL, min: 1, max: 1, fn: (*builder).keepaliveRequests},
		"underscores_in_headers":                        {ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).underscoresInHeaders},
		"lua_check_client_abort":                        {ctx: cHSL, min: 1, max: 1, fn: (*builder).luaCheckClientAbort},
		"limit_rate":                                    {ctx: cHSL | cLIF, min: 1, max: 1, fn: (*builder).limitRate},
		"limit_rate_after":                              {ctx: cHSL, min: 1, max: 1, fn: (*builder).limitRate},
		"index":                                         {ctx: cHSL, min: 1, max: -1, fn: (*builder).index},
		"server":                                        {ctx: cHTTP, block: true, fn: (*builder).server},
		"listen":                                        {ctx: cServer, min: 1, max: -1, fn: (*builder).listen},
		"server_name":                                   {ctx: cServer, min: 1, max: -1, fn: (*builder).serverName},
		"location":                                      {ctx: cSL, min: 1, max: 2, block: true, fn: (*builder).location},
		"allow":                                         {ctx: cHSL, min: 1, max: 1, fn: (*builder).accessRule},
		"deny":                                          {ctx: cHSL, min: 1, max: 1, fn: (*builder).accessRule},
		"satisfy":                                       {ctx: cHSL, min: 1, max: 1, fn: (*builder).satisfy},
		"error_page":                                    {ctx: cHSL | cLIF, min: 2, max: -1, fn: (*builder).errorPage},
		"try_files":                                     {ctx: cSL, min: 2, max: -1, fn: (*builder).tryFiles},
		"alias":                                         {ctx: cLocation, min: 1, max: 1, fn: (*builder).alias},
		"recursive_error_pages":                         {ctx: cHSL, min: 1, max: 1, fn: (*builder).recursiveErrorPages},

		// rewrite module
		"return":  {ctx: cSL | cIF, min: 1, max: 2, fn: (*builder).returnOp},
		"break":   {ctx: cSL | cIF, min: 0, max: 0, fn: (*builder).breakOp},
		"if":      {ctx: cSL, min: 1, max: -1, block: true, fn: (*builder).ifOp},
		"rewrite": {ctx: cSL | cIF, min: 2, max: 3, fn: (*builder).rewriteOp},
		"set":     {ctx: cSL | cIF, min: 2, max: 2, fn: (*builder).setOp},

		// set_by_lua*
		"set_by_lua_block": {ctx: cSL | cIF, min: 1, max: 1, block: true, luaBlock: true, fn: (*builder).setByLua},
		"set_by_lua":       {ctx: cSL | cIF, min: 2, max: -1, fn: (*builder).setByLua},
		"set_by_lua_file":  {ctx: cSL | cIF, min: 2, max: -1, fn: (*builder).setByLua},
	}
	responseSpecs(m)
	// init_by_lua*, init_worker_by_lua* and the request phases.
	for _, p := range []struct {
		name string
		ctx  ctxMask
	}{
		{"init_by_lua", cHTTP}, {"init_worker_by_lua", cHTTP},
		{"rewrite_by_lua", cHSL | cLIF}, {"access_by_lua", cHSL | cLIF}, {"content_by_lua", cLocation | cLIF},
		{"header_filter_by_lua", cHSL | cLIF}, {"body_filter_by_lua", cHSL | cLIF}, {"log_by_lua", cHSL | cLIF},
	} {
		m[p.name+"_block"] = spec{ctx: p.ctx, block: true, luaBlock: true, fn: (*builder).luaHandler}
		m[p.name] = spec{ctx: p.ctx, min: 1, max: 1, fn: (*builder).luaHandler}
		m[p.name+"_file"] = spec{ctx: p.ctx, min: 1, max: 1, fn: (*builder).luaHandler}
	}
	// server_rewrite_by_lua* (ngx_lua 0.10.23): http and server only, and
	// no inline form (nginx: unknown directive "server_rewrite_by_lua").
	m["server_rewrite_by_lua_block"] = spec{ctx: cHTTP | cServer, block: true, luaBlock: true, fn: (*builder).luaHandler}
	m["server_rewrite_by_lua_file"] = spec{ctx: cHTTP | cServer, min: 1, max: 1, fn: (*builder).luaHandler}
	addLabScopeSpecs(m)
	addProxyCacheSpecs(m)
	addProxyOptsSpecs(m)
	addSSLSpecs(m)
	return m
}

// flagIgnored validates on|off and otherwise ignores the directive.
func (b *builder) flagIgnored(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	_, err := parseFlag(d)
	return err
}

// onceIgnored only checks for duplicates.
func onceIgnored(_ *builder, s *scope, d *directive) error { return once(s, d) }

// phaseName strips the form suffix: "content_by_lua_block" -> "content_by_lua".
func phaseName(name string) string {
	name = strings.TrimSuffix(name, "_block")
	return strings.TrimSuffix(name, "_file")
}
