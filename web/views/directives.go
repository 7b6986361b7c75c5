package views

// DirectiveNote is a directive the lab accepts without effect or refuses,
// with why (and what to use instead), in both languages: the /about page
// lists them from lab/conf's table (conf.NoEffectDirectives,
// conf.UnsupportedDirectives).
type DirectiveNote struct {
	Name    string
	Why     [2]string
	Instead [2]string
}

// NoteZh translates lab/conf's directive notes (English, as the lab's
// error messages are) for the Chinese /about page; a test keeps it
// complete.
var NoteZh = map[string]string{
	"Lua with ngx.crc32_short":                                            "用 ngx.crc32_short 的 Lua 代码",
	"a file system hint":                                                  "这只是给文件系统的提示",
	"a lua_shared_dict and access_by_lua*":                                "lua_shared_dict 加 access_by_lua*",
	"a lua_shared_dict, or redis.lab through lua-resty-redis":             "lua_shared_dict，或通过 lua-resty-redis 使用 redis.lab",
	"a map, or Lua with ngx.var.remote_addr":                              "map，或读取 ngx.var.remote_addr 的 Lua 代码",
	"a reload waits for requests as nginx does without it":                "重新加载时会等待请求结束，与 nginx 不设置它时相同",
	"access_by_lua* counting in a lua_shared_dict":                        "在 lua_shared_dict 中计数的 access_by_lua*",
	"access_by_lua* counting in a lua_shared_dict (incr with an expiry)":  "在 lua_shared_dict 中计数的 access_by_lua*（带过期时间的 incr）",
	"access_by_lua* reading the Authorization header (ngx.decode_base64)": "读取 Authorization 头的 access_by_lua*（ngx.decode_base64）",
	"access_by_lua* with ngx.location.capture":                            "使用 ngx.location.capture 的 access_by_lua*",
	"an http server with content_by_lua* and ngx.req.socket(true)":        "带 content_by_lua* 和 ngx.req.socket(true) 的 http server",
	"body_filter_by_lua* with ngx.re.gsub":                                "使用 ngx.re.gsub 的 body_filter_by_lua*",
	"content_by_lua*":                                                     "content_by_lua*",
	"files are opened on each request":                                    "每个请求都会重新打开文件",
	"files are read on the worker":                                        "文件在 worker 上读取",
	"files are sent as they are":                                          "文件按原样发送",
	"files are sent with write(), not sendfile()":                         "文件用 write() 发送，而不是 sendfile()",
	"leave it out":                                                    "去掉它",
	"missing files are always logged":                                 "找不到的文件总会记入日志",
	"ngx.location.capture in content_by_lua*":                         "content_by_lua* 中的 ngx.location.capture",
	"ngx.var.connection_requests, or the lab's trace":                 "ngx.var.connection_requests，或实验室的追踪",
	"ngx.var.http_x_forwarded_for in Lua":                             "在 Lua 中读取 ngx.var.http_x_forwarded_for",
	"no OpenSSL engines":                                              "没有 OpenSSL 引擎",
	"no hash tables":                                                  "没有哈希表",
	"proxy_pass to a lab service, or content_by_lua*":                 "proxy_pass 到实验室的服务，或 content_by_lua*",
	"proxy_pass, or ngx.socket.tcp in Lua":                            "proxy_pass，或 Lua 中的 ngx.socket.tcp",
	"requests are read into buffers that grow as needed":              "请求读入按需增长的缓冲区",
	"compressed output is not cut into nginx's buffers":               "压缩后的输出不按 nginx 的缓冲区切分",
	"every client that accepts gzip gets it, whatever its User-Agent": "只要客户端接受 gzip 就会得到压缩的响应，不看 User-Agent",
	"files are sent as they are (no .gz files are looked for)":        "文件按原样发送（不查找 .gz 文件）",
	"responses are written from the lab's own buffers":                "响应从实验室自己的缓冲区写出",
	"server names are matched without nginx's hash tables":            "server 名称的匹配不使用 nginx 的哈希表",
	"subrequests are never access-logged":                             "子请求从不写入访问日志",
	"the lab has no FastCGI backends":                                 "实验室没有 FastCGI 后端",
	"the lab has no SCGI backends":                                    "实验室没有 SCGI 后端",
	"the lab has no auth_request module":                              "实验室没有 auth_request 模块",
	"the lab has no basic auth module":                                "实验室没有 basic auth 模块",
	"the lab has no geo module":                                       "实验室没有 geo 模块",
	"the lab has no limit_conn module":                                "实验室没有 limit_conn 模块",
	"the lab has no limit_req module":                                 "实验室没有 limit_req 模块",
	"the lab has no memcached":                                        "实验室没有 memcached",
	"the lab has no realip module":                                    "实验室没有 realip 模块",
	"the lab has no server-side includes":                             "实验室没有服务器端包含（SSI）",
	"the lab has no split_clients module":                             "实验室没有 split_clients 模块",
	"the lab has no stub_status module":                               "实验室没有 stub_status 模块",
	"the lab has no substitution filter":                              "实验室没有替换过滤器",
	"the lab has no uwsgi backends":                                   "实验室没有 uwsgi 后端",
	"the lab lists no directories":                                    "实验室不列出目录",
	"the lab runs Lua only":                                           "实验室只运行 Lua",
	"the lab serves HTTP only (no mail module)":                       "实验室只提供 HTTP（没有 mail 模块）",
	"the lab serves HTTP only (no stream module)":                     "实验室只提供 HTTP（没有 stream 模块）",
	"the lab speaks HTTP/1.x only":                                    "实验室只支持 HTTP/1.x",
	"the lab writes no core files":                                    "实验室不写 core 文件",
	"the lab's regular expressions are not PCRE":                      "实验室的正则表达式不是 PCRE",
	"the loop reads the clock on each wake-up":                        "事件循环每次唤醒都会读取时钟",
	"timed-out connections are closed normally":                       "超时的连接按正常方式关闭",
	"types are looked up in a Go map":                                 "类型在 Go 的 map 中查找",
	"variables are looked up in a Go map":                             "变量在 Go 的 map 中查找",
	"workers are threads of the lab's process":                        "worker 是实验室进程中的线程",
	"workers are threads the Go runtime schedules":                    "worker 是由 Go 运行时调度的线程",
	"workers are threads: no accept mutex file":                       "worker 是线程：没有 accept 互斥锁文件",
}
