-- resty.http for RestyLab: a small HTTP/1.1 client over ngx.socket.tcp with
-- the core API of lua-resty-http (new, request_uri, connect, request,
-- read_body, set_timeout(s), set_keepalive, get_reused_times, close,
-- parse_uri). Written for the lab (plain Lua 5.1). Plain http only: the
-- lab's cosockets have no TLS.
--
-- res.headers looks names up case-insensitively (res.headers["content-type"]
-- and res.headers["Content-Type"] are the same); a header sent more than
-- once has a table of its values.

local tcp = ngx.socket.tcp
local encode_args = ngx.encode_args
local lower = string.lower
local upper = string.upper
local sub = string.sub
local find = string.find
local match = string.match
local gsub = string.gsub
local concat = table.concat
local tostring = tostring
local tonumber = tonumber
local type = type
local pairs = pairs
local rawget = rawget
local rawset = rawset
local setmetatable = setmetatable

local _M = { _VERSION = "0.17.1" }
_M._USER_AGENT = "lua-resty-http/" .. _M._VERSION .. " (Lua) ngx_lua/" .. tostring(ngx.config.ngx_lua_version)

local mt = { __index = _M }

local default_ports = { http = 80, https = 443 }

-- Response header tables: a hidden index from normalised names
-- ("content-type") to the name as first stored.
local function norm(name)
    return (gsub(lower(name), "_", "-"))
end

local function new_headers()
    local index = {}
    return setmetatable({}, {
        __index = function(t, k)
            if type(k) ~= "string" then
                return nil
            end
            local real = index[norm(k)]
            if real then
                return rawget(t, real)
            end
            return nil
        end,
        __newindex = function(t, k, v)
            if type(k) == "string" then
                local n = norm(k)
                local real = index[n]
                if real and real ~= k then
                    rawset(t, real, nil)
                end
                index[n] = k
            end
            rawset(t, k, v)
        end,
    })
end
_M.new_headers = new_headers

function _M.new(_)
    local sock, err = tcp()
    if not sock then
        return nil, err
    end
    return setmetatable({ sock = sock, keepalive = true }, mt)
end

function _M.set_timeout(self, timeout)
    return self.sock:settimeout(timeout)
end

function _M.set_timeouts(self, connect_timeout, send_timeout, read_timeout)
    return self.sock:settimeouts(connect_timeout, send_timeout, read_timeout)
end

-- parse_uri(uri): {scheme, host, port, path, query} or nil, err.
function _M.parse_uri(_, uri)
    if type(uri) ~= "string" then
        return nil, "bad uri: " .. tostring(uri)
    end
    local scheme, rest = match(uri, "^(%a[%w+.-]*)://(.*)$")
    if not scheme then
        return nil, "bad uri: " .. uri
    end
    scheme = lower(scheme)
    local authority, path = match(rest, "^([^/?#]*)(.*)$")
    authority = gsub(authority, "^.*@", "") -- drop user:password@
    local host, port = match(authority, "^%[([^%]]+)%]:?(%d*)$")
    if not host then
        host, port = match(authority, "^([^:]*):?(%d*)$")
    end
    if not host or host == "" then
        return nil, "bad uri: " .. uri
    end
    port = tonumber(port) or default_ports[scheme]
    path = gsub(path, "#.*$", "")
    local query = ""
    local q = find(path, "?", 1, true)
    if q then
        query = sub(path, q + 1)
        path = sub(path, 1, q - 1)
    end
    if path == "" then
        path = "/"
    end
    return { scheme, host, port, path, query }
end

-- connect(host, port, opts?) or connect{scheme, host, port, pool, pool_size}
function _M.connect(self, host, port, opts)
    local scheme = "http"
    if type(host) == "table" then
        local o = host
        scheme = o.scheme or "http"
        host, port = o.host, o.port or default_ports[scheme]
        opts = { pool = o.pool, pool_size = o.pool_size, backlog = o.backlog }
    end
    if scheme == "https" then
        return nil, "https not supported in the lab"
    end
    self.host, self.port = host, port
    self.keepalive = true
    if type(host) == "string" and sub(host, 1, 5) == "unix:" then
        return self.sock:connect(host, opts)
    end
    return self.sock:connect(host, port, opts)
end

function _M.set_keepalive(self, ...)
    if self.keepalive == false then
        return self.sock:close()
    end
    return self.sock:setkeepalive(...)
end

function _M.get_reused_times(self)
    return self.sock:getreusedtimes()
end

function _M.close(self)
    return self.sock:close()
end

local function host_header(host, port, scheme)
    if port and port ~= default_ports[scheme or "http"] then
        return host .. ":" .. tostring(port)
    end
    return host
end

-- read_headers(sock): status, reason, version, headers or nil, err
local function read_head(sock)
    local line, err = sock:receive("*l")
    if not line then
        return nil, err
    end
    local version, status, reason = match(line, "^HTTP/(%d%.%d) (%d%d%d) ?(.*)$")
    if not version then
        return nil, "bad status line: " .. line
    end
    local headers = new_headers()
    while true do
        line, err = sock:receive("*l")
        if not line then
            return nil, err
        end
        if line == "" then
            break
        end
        local name, value = match(line, "^([^:]+):%s*(.-)%s*$")
        if name then
            local old = headers[name]
            if old == nil then
                headers[name] = value
            elseif type(old) == "table" then
                old[#old + 1] = value
            else
                headers[name] = { old, value }
            end
        end
    end
    return tonumber(status), reason, tonumber(version), headers
end

local function header_has(v, token)
    if type(v) == "table" then
        v = concat(v, ",")
    end
    return v ~= nil and find(lower(v), token, 1, true) ~= nil
end

local function read_chunked(sock)
    local parts = {}
    while true do
        local line, err = sock:receive("*l")
        if not line then
            return nil, err
        end
        local size = tonumber(match(line, "^%s*(%x+)"), 16)
        if not size then
            return nil, "bad chunk size: " .. line
        end
        if size == 0 then
            -- trailers until the empty line
            repeat
                line, err = sock:receive("*l")
                if not line then
                    return nil, err
                end
            until line == ""
            return concat(parts)
        end
        local data
        data, err = sock:receive(size)
        if not data then
            return nil, err
        end
        parts[#parts + 1] = data
        line, err = sock:receive(2)
        if not line then
            return nil, err
        end
    end
end

-- request(params): sends a request on a connected client and reads the
-- response head; res.body is nil until res:read_body().
function _M.request(self, params)
    params = params or {}
    local sock = self.sock
    local method = upper(params.method or "GET")
    local path = params.path or "/"
    local query = params.query
    if type(query) == "table" then
        query = encode_args(query)
    end
    if query and query ~= "" then
        path = path .. "?" .. query
    end
    local version = params.version or 1.1
    local headers = new_headers()
    if params.headers then
        for k, v in pairs(params.headers) do
            headers[k] = v
        end
    end
    if headers["Host"] == nil then
        headers["Host"] = host_header(self.host or "localhost", self.port, "http")
    end
    if headers["User-Agent"] == nil then
        headers["User-Agent"] = _M._USER_AGENT
    end
    local body = params.body
    if type(body) == "table" then
        body = concat(body)
    end
    if body and headers["Content-Length"] == nil then
        headers["Content-Length"] = #body
    elseif not body and headers["Content-Length"] == nil and
            (method == "POST" or method == "PUT" or method == "PATCH") then
        headers["Content-Length"] = 0
    end
    if version == 1.0 and headers["Connection"] == nil and self.keepalive ~= false then
        headers["Connection"] = "keep-alive"
    end
    local req = { method, " ", path, " HTTP/", version == 1.0 and "1.0" or "1.1", "\r\n" }
    for k, v in pairs(headers) do
        if type(v) == "table" then
            for _, one in ipairs(v) do
                req[#req + 1] = k .. ": " .. tostring(one) .. "\r\n"
            end
        else
            req[#req + 1] = k .. ": " .. tostring(v) .. "\r\n"
        end
    end
    req[#req + 1] = "\r\n"
    if body then
        req[#req + 1] = body
    end
    local bytes, err = sock:send(req)
    if not bytes then
        return nil, err
    end
    local status, reason, rversion, rheaders = read_head(sock)
    if not status then
        return nil, reason
    end
    -- may the connection be kept alive after this response?
    local conn = rheaders["Connection"]
    if rversion == 1.1 then
        self.keepalive = not header_has(conn, "close")
    else
        self.keepalive = header_has(conn, "keep-alive")
    end
    local has_body = method ~= "HEAD" and status ~= 204 and status ~= 304 and
        not (status >= 100 and status < 200)
    local client = self
    local res = {
        status = status, reason = reason, headers = rheaders, has_body = has_body,
    }
    function res.read_body(r)
        if not has_body then
            return ""
        end
        if r.body ~= nil then
            return r.body
        end
        local data, e
        if header_has(rheaders["Transfer-Encoding"], "chunked") then
            data, e = read_chunked(sock)
        elseif rheaders["Content-Length"] then
            local n = tonumber(type(rheaders["Content-Length"]) == "table" and
                rheaders["Content-Length"][1] or rheaders["Content-Length"])
            if not n then
                return nil, "bad Content-Length"
            end
            data, e = sock:receive(n)
        else
            -- the body ends when the server closes
            client.keepalive = false
            data, e = sock:receive("*a")
        end
        if not data then
            client.keepalive = false
            return nil, e
        end
        r.body = data
        return data
    end
    return res
end

-- request_uri(uri, params?): connect, request, read the body, and keep the
-- connection alive (params.keepalive ~= false) or close it.
function _M.request_uri(self, uri, params)
    params = params or {}
    local parsed, err = self:parse_uri(uri)
    if not parsed then
        return nil, err
    end
    local scheme, host, port, path, query = parsed[1], parsed[2], parsed[3], parsed[4], parsed[5]
    if scheme == "https" then
        return nil, "https not supported in the lab"
    end
    if scheme ~= "http" then
        return nil, "unsupported scheme: " .. scheme
    end
    local ok
    ok, err = self:connect(host, port)
    if not ok then
        return nil, err
    end
    local p = {}
    for k, v in pairs(params) do
        p[k] = v
    end
    if not p.path then
        p.path = path
    end
    if p.query == nil and query ~= "" then
        p.query = query
    end
    p.headers = {}
    local has_host = false
    for k, v in pairs(params.headers or {}) do
        p.headers[k] = v
        if lower(k) == "host" then
            has_host = true
        end
    end
    if not has_host then
        p.headers["Host"] = host_header(host, port, scheme)
    end
    if params.keepalive == false then
        self.keepalive = false
        p.headers["Connection"] = "close"
    end
    local res
    res, err = self:request(p)
    if not res then
        self.sock:close()
        return nil, err
    end
    local body
    body, err = res:read_body()
    if not body then
        self.sock:close()
        return nil, err
    end
    res.body = body
    if params.keepalive == false or self.keepalive == false then
        self.sock:close()
    else
        ok, err = self.sock:setkeepalive(params.keepalive_timeout, params.keepalive_pool)
        if not ok then
            self.sock:close()
        end
    end
    return res
end

return _M
