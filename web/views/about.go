package views

// Difference is one way the lab differs from real OpenResty, in both
// languages.
type Difference struct {
	Title [2]string
	Body  [2]string
}

// Differences lists what a learner must know about the lab's engine
// against nginx 1.22 + ngx_lua 0.10.23 (docs/architecture.md has the
// details).
var Differences = []Difference{
	{[2]string{"Lua 5.1 (gopher-lua), not LuaJIT", "Lua 5.1（gopher-lua），不是 LuaJIT"},
		[2]string{"No FFI, no JIT compiler, no bytecode. Lua code runs 4 to 50 times slower than on LuaJIT, up to 180 times on loops LuaJIT compiles to a few machine instructions; a whole request shows less of the gap, because a small request spends most of its time in the kernel: a handler filling a 200-element table uses 2.6 times nginx-lua's CPU per request here, one joining 100 string.format pieces 4 times (measured side by side, December 2026). jit is a read-only table: jit.os, jit.arch and jit.version_num as LuaJIT 2.1 on x64, but jit.version says \"Lua 5.1 (RestyLab, gopher-lua; not LuaJIT)\" and jit.status() returns false. Numbers, strings, patterns, string.format, table.sort, goto, assignments and the VM's error messages (\"attempt to index local 't' (a nil value)\") answer as on LuaJIT: 571 snippets are checked against it. What stays different: built-in functions and tables print other addresses, the garbage collector has no counts and never runs __gc or clears weak tables, math.random gives other sequences, # of a table with holes and the order of pairs may differ.",
			"没有 FFI、JIT 编译器和字节码。Lua 代码比在 LuaJIT 上慢 4 到 50 倍，对 LuaJIT 能编译成几条机器指令的循环最多慢 180 倍；整个请求的差距要小一些，因为小请求的大部分时间花在内核里：在这里，填充一个 200 个元素的表的处理函数每个请求消耗的 CPU 是 nginx-lua 的 2.6 倍，拼接 100 段 string.format 结果的处理函数是 4 倍（2026 年 12 月并排实测）。jit 是只读表：jit.os、jit.arch 和 jit.version_num 与 x64 上的 LuaJIT 2.1 相同，但 jit.version 为 \"Lua 5.1 (RestyLab, gopher-lua; not LuaJIT)\"，jit.status() 返回 false。数字、字符串、模式匹配、string.format、table.sort、goto、赋值以及虚拟机的错误信息（\"attempt to index local 't' (a nil value)\"）都与 LuaJIT 一致：有 571 段代码与它逐字节对照。仍然不同的是：内置函数和表打印出的地址不同，垃圾回收器没有计数、从不运行 __gc 也不清理弱表，math.random 的序列不同，有空洞的表的 # 以及 pairs 的顺序可能不同。"}},
	{[2]string{"os.getenv sees your env directives only", "os.getenv 只看到你的 env 指令"},
		[2]string{"As in an nginx worker, os.getenv sees only what env directives name; in the lab also only the values set by your own env NAME=VALUE, never the lab machine's environment.",
			"与 nginx 的 worker 一样，os.getenv 只能看到 env 指令列出的变量；在实验室里还只能看到你自己用 env NAME=VALUE 设置的值，永远看不到实验室机器的环境变量。"}},
	{[2]string{"Yields inside metamethods and iterators", "在元方法和迭代器中让出"},
		[2]string{"A cosocket call or ngx.sleep inside __index, __add or a for ... in iterator fails with \"attempt to yield across C-call boundary\"; LuaJIT allows it. Inside pcall, xpcall and coroutines it works as in OpenResty.",
			"在 __index、__add 或 for ... in 迭代器中调用 cosocket 或 ngx.sleep 会报错 \"attempt to yield across C-call boundary\"；LuaJIT 允许。在 pcall、xpcall 和协程中与 OpenResty 一致。"}},
	{[2]string{"Regular expressions", "正则表达式"},
		[2]string{"location ~ and rewrite use Go's RE2 syntax (no backreferences or lookaround); ngx.re uses a .NET-style engine, not PCRE: recursion, \\K and (*VERB)s are refused with a clear error.",
			"location ~ 和 rewrite 使用 Go 的 RE2 语法（不支持反向引用和环视）；ngx.re 使用 .NET 风格的引擎而非 PCRE：递归、\\K 和 (*VERB) 会明确报错。"}},
	{[2]string{"ngx.sleep(0) gives way", "ngx.sleep(0) 会让路"},
		[2]string{"As on OpenResty's own nginx, ngx.sleep(0) in a handler lets the requests already waiting run first. A stock nginx with the lua module (Debian's) runs the zero sleep again at once and never reaches epoll in between; a sleep of 1 ms or more yields on both. coroutine.yield() in a handler never reaches epoll on either: it only lets the request's other light threads run.",
			"与 OpenResty 自带的 nginx 一样，处理函数里的 ngx.sleep(0) 会让已经在等待的请求先运行。普通的 nginx 加 lua 模块（比如 Debian 的）会立刻再次运行这个 0 秒睡眠，中间根本不会回到 epoll；1 毫秒或更长的睡眠在两者上都会让出。处理函数里的 coroutine.yield() 在两者上都回不到 epoll：它只会让这个请求的其他轻线程先运行。"}},
	{[2]string{"lua_code_cache off costs less here", "这里 lua_code_cache off 的代价更小"},
		[2]string{"With the cache off, each request gets a fresh Lua VM, as in ngx_lua. A new VM costs this lab about 0.5 ms; a new LuaJIT VM that loads resty.core costs nginx about 5 ms, so the slowdown you measure here is smaller than on a real server (nginx: 69,800 requests per second with the cache, 214 without).",
			"关闭缓存时，每个请求都会得到一个全新的 Lua 虚拟机，与 ngx_lua 相同。在本实验室中新建一个虚拟机约需 0.5 毫秒；而 nginx 新建一个并加载 resty.core 的 LuaJIT 虚拟机约需 5 毫秒，所以你在这里测到的变慢程度比真实服务器小（nginx：开启缓存每秒 69,800 个请求，关闭后 214 个）。"}},
	{[2]string{"Workers are threads of one process", "worker 是同一进程中的线程"},
		[2]string{"Each worker is one OS thread with its own epoll and Lua VM, as in nginx, but all live in one process: init_by_lua runs once per worker VM (nginx runs it once before forking), and a worker's pid (ngx.worker.pid(), $pid, error_log lines) is its thread's id.",
			"与 nginx 一样，每个 worker 是一个拥有独立 epoll 和 Lua 虚拟机的系统线程，但它们都在同一个进程中：init_by_lua 在每个 worker 的虚拟机中各运行一次（nginx 在 fork 前只运行一次），worker 的 pid（ngx.worker.pid()、$pid、error_log 行）是它的线程号。"}},
	{[2]string{"HTTPS runs on Go's TLS", "HTTPS 由 Go 的 TLS 实现"},
		[2]string{"listen ... ssl, certificates chosen by SNI, ssl_certificate_by_lua with ngx.ssl, ssl_protocols, ssl_ciphers, session tickets and caches answer as on nginx, including that the version, cipher and sessions follow the address's default server. Differences: TLS 1.0 and 1.1 are never offered, HTTP/2 is not spoken (http2 is accepted, ALPN offers http/1.1), TLS 1.2 sessions resume by ticket only, cipher names Go's TLS lacks (DHE, CAMELLIA) are left out with a warning, and the handshake's key exchange runs beside the worker thread instead of on it. Certificates: every workspace has the lab's certificates for default.test, a.test and b.test (certs/NAME.crt and certs/NAME.key beside nginx.conf, issued by the lab's own CA, certs/ca.crt; a file of yours at the same path wins), and redis.lab holds them as cert:NAME and key:NAME for ssl_certificate_by_lua. The request panel speaks HTTPS to an ssl server with the SNI name you give and shows the certificate it picked.",
			"listen ... ssl、按 SNI 选择证书、ssl_certificate_by_lua 与 ngx.ssl、ssl_protocols、ssl_ciphers、会话票据和会话缓存的行为与 nginx 一致，包括协议版本、加密套件和会话都跟随该地址的默认 server。不同之处：从不提供 TLS 1.0 和 1.1，不支持 HTTP/2（接受 http2 参数，ALPN 只提供 http/1.1），TLS 1.2 会话只能通过票据恢复，Go 的 TLS 没有的套件名（DHE、CAMELLIA）会被忽略并给出警告，握手的密钥交换在 worker 线程之外而不是在其上运行。证书：每个工作区都有实验室为 default.test、a.test 和 b.test 签发的证书（与 nginx.conf 同级的 certs/NAME.crt 和 certs/NAME.key，由实验室自己的 CA 签发，CA 证书为 certs/ca.crt；你自己同路径的文件优先），redis.lab 也以 cert:NAME 和 key:NAME 保存它们，供 ssl_certificate_by_lua 使用。请求面板会用你填写的 SNI 名称以 HTTPS 访问 ssl 服务器，并显示它选择的证书。"}},
	{[2]string{"Not built yet", "尚未支持"},
		[2]string{"proxy buffering options, charset recoding (charset_map), gzip_disable and gzip_static (accepted, no effect). The proxy cache lives in memory: a reload keeps it, a restart of your instance empties it.",
			"代理缓冲选项、字符集转换（charset_map）、gzip_disable 和 gzip_static（会被接受，但不起作用）。代理缓存保存在内存中：重新加载时保留，实例重启时清空。"}},
	{[2]string{"Your instance has limits", "你的实例有资源限制"},
		[2]string{"256 MiB of memory, 1 s of CPU per resume (the request gets 500), 30 s of CPU per minute, 2 workers, 1024 connections per worker, 16 MiB per response. io, os.execute and the debug library are refused; cosockets reach only the lab's services (httpbin.lab, echo.lab, slow.lab, closer.lab, redis.lab) and your instance. When the instance ends, you get one sentence saying why, and your code is kept.",
			"256 MiB 内存，每次恢复最多 1 秒 CPU（请求返回 500），每分钟 30 秒 CPU，2 个 worker，每个 worker 1024 个连接，每个响应 16 MiB。io、os.execute 和 debug 库被禁用；cosocket 只能连接实验室的服务（httpbin.lab、echo.lab、slow.lab、closer.lab、redis.lab）和你自己的实例。实例结束时，你会看到一句原因说明，代码会被保留。"}},
}

func pick(lang Lang, s [2]string) string {
	if lang == Chinese {
		return s[1]
	}
	return s[0]
}
