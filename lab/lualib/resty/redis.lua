-- resty.redis for RestyLab: a Redis client over ngx.socket.tcp with the API
-- of OpenResty's lua-resty-redis. Written for the lab (plain Lua 5.1).
--
-- Every method name that is not one of the client's own becomes a Redis
-- command: red:get("k") sends GET k. The lookup (an __index metamethod)
-- only builds and returns a Lua function; the command runs when that
-- function is called, so its socket operations may yield.
--
-- Replies (RESP2): status -> string; integer -> number; bulk -> string, or
-- ngx.null when nil; multi-bulk -> table (an element that is an error
-- reply becomes {false, err}), or ngx.null when nil; error reply ->
-- false, "ERR ..." (the connection stays usable). Connection failures give
-- nil, err ("closed", "timeout", ...).

local tcp = ngx.socket.tcp
local null = ngx.null
local sub = string.sub
local byte = string.byte
local lower = string.lower
local concat = table.concat
local tostring = tostring
local tonumber = tonumber
local type = type
local select = select
local rawget = rawget
local pairs = pairs
local setmetatable = setmetatable

local _M = { _VERSION = "0.29" }

local methods = {}
local mt = {}

-- commands allowed in subscribe mode
local sub_commands = {
    subscribe = true, psubscribe = true, unsubscribe = true,
    punsubscribe = true, ping = true, quit = true,
}

function _M.new(_)
    local sock, err = tcp()
    if not sock then
        return nil, err
    end
    return setmetatable({ _sock = sock, _subscribed = false }, mt)
end

function methods.set_timeout(self, timeout)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    sock:settimeout(timeout)
    return 1
end

function methods.set_timeouts(self, connect_timeout, send_timeout, read_timeout)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    sock:settimeouts(connect_timeout, send_timeout, read_timeout)
    return 1
end

local read_reply

-- run a command on a freshly connected socket (AUTH, SELECT)
local function setup_cmd(self, ...)
    local res, err = methods._do(self, ...)
    if not res then
        return nil, err
    end
    return res
end

-- connect(host, port, opts?) or connect("unix:/path", opts?)
function methods.connect(self, host, port_or_opts, opts)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    local unix = type(host) == "string" and sub(host, 1, 5) == "unix:"
    if unix and type(port_or_opts) == "table" then
        opts = port_or_opts
    end
    local sock_opts
    if opts then
        if opts.ssl then
            return nil, "failed to connect: ssl is not supported in the lab"
        end
        local pool = opts.pool
        if not pool and (opts.db or (opts.username and opts.username ~= "" and opts.password)) then
            pool = unix and host or (host .. ":" .. tostring(port_or_opts))
            if opts.username and opts.username ~= "" and opts.password then
                pool = pool .. "/" .. opts.username
            end
            if opts.db then
                pool = pool .. "/" .. tostring(opts.db)
            end
        end
        sock_opts = { pool = pool, pool_size = opts.pool_size, backlog = opts.backlog }
    end
    self._subscribed = false
    self._in_tx = nil
    local ok, err
    if unix then
        ok, err = sock:connect(host, sock_opts)
    else
        ok, err = sock:connect(host, port_or_opts, sock_opts)
    end
    if not ok then
        return nil, err
    end
    if opts and sock:getreusedtimes() == 0 then
        if opts.password and opts.password ~= "" then
            local res
            if opts.username and opts.username ~= "" then
                res, err = setup_cmd(self, "auth", opts.username, opts.password)
            else
                res, err = setup_cmd(self, "auth", opts.password)
            end
            if not res then
                sock:close()
                return nil, "failed to authenticate: " .. tostring(err)
            end
        end
        if opts.db then
            local res
            res, err = setup_cmd(self, "select", opts.db)
            if not res then
                sock:close()
                return nil, "failed to select database " .. tostring(opts.db) .. ": " .. tostring(err)
            end
        end
    end
    return ok
end

function methods.set_keepalive(self, ...)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    if rawget(self, "_subscribed") then
        return nil, "subscribed state"
    end
    if rawget(self, "_in_tx") then
        return nil, "in transaction"
    end
    return sock:setkeepalive(...)
end

function methods.get_reused_times(self)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    return sock:getreusedtimes()
end

function methods.close(self)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    return sock:close()
end

-- one request in the unified protocol: *N, then $len and each argument
local function gen_req(args, n)
    local parts = { "*", n, "\r\n" }
    local k = 3
    for i = 1, n do
        local arg = args[i]
        if type(arg) ~= "string" then
            arg = tostring(arg)
        end
        parts[k + 1] = "$"
        parts[k + 2] = #arg
        parts[k + 3] = "\r\n"
        parts[k + 4] = arg
        parts[k + 5] = "\r\n"
        k = k + 5
    end
    return concat(parts)
end

-- read_reply(self, sock): one reply; nil, err on a connection failure.
read_reply = function(self, sock)
    local line, err = sock:receive()
    if not line then
        if err == "timeout" and not rawget(self, "_subscribed") then
            sock:close()
        end
        return nil, err
    end
    local prefix = byte(line)
    if prefix == 43 then -- "+" status
        return sub(line, 2)
    elseif prefix == 45 then -- "-" error
        return false, sub(line, 2)
    elseif prefix == 58 then -- ":" integer
        return tonumber(sub(line, 2))
    elseif prefix == 36 then -- "$" bulk
        local size = tonumber(sub(line, 2))
        if not size then
            return nil, "bad reply"
        end
        if size < 0 then
            return null
        end
        local data
        data, err = sock:receive(size + 2)
        if not data then
            if err == "timeout" then
                sock:close()
            end
            return nil, err
        end
        return sub(data, 1, size)
    elseif prefix == 42 then -- "*" multi-bulk
        local n = tonumber(sub(line, 2))
        if not n then
            return nil, "bad reply"
        end
        if n < 0 then
            return null
        end
        local vals = {}
        for i = 1, n do
            local res
            res, err = read_reply(self, sock)
            if res then
                vals[i] = res
            elseif res == nil then
                return nil, err
            else
                vals[i] = { false, err }
            end
        end
        return vals
    end
    return nil, "bad reply"
end

-- _do(self, cmd, args...): send one command (or queue it in a pipeline)
-- and read its reply.
function methods._do(self, ...)
    local n = select("#", ...)
    local args = { ... }
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    local cmd = lower(args[1])
    if rawget(self, "_subscribed") and not sub_commands[cmd] then
        return nil, "subscribed state"
    end
    local req = gen_req(args, n)
    local reqs = rawget(self, "_reqs")
    if reqs then
        reqs[#reqs + 1] = req
        return
    end
    local bytes, err = sock:send(req)
    if not bytes then
        return nil, err
    end
    local res
    res, err = read_reply(self, sock)
    if cmd == "multi" and res then
        self._in_tx = true
    elseif (cmd == "exec" or cmd == "discard") and res ~= nil then
        self._in_tx = nil
    elseif (cmd == "subscribe" or cmd == "psubscribe") and type(res) == "table" then
        self._subscribed = true
    elseif (cmd == "unsubscribe" or cmd == "punsubscribe") and type(res) == "table" then
        -- the reply's third element is the number of channels left
        if res[3] == 0 then
            self._subscribed = false
        end
    end
    return res, err
end

local do_cmd = methods._do

-- make_cmd(name): the method for a Redis command.
local function make_cmd(name)
    local cmd = name
    return function(self, ...)
        return do_cmd(self, cmd, ...)
    end
end

-- hmset(key, {field = value, ...}) or hmset(key, field, value, ...)
function methods.hmset(self, hashname, ...)
    if select("#", ...) == 1 and type((...)) == "table" then
        local t = ...
        local args = {}
        local i = 0
        for k, v in pairs(t) do
            args[i + 1] = k
            args[i + 2] = v
            i = i + 2
        end
        return do_cmd(self, "hmset", hashname, unpack(args, 1, i))
    end
    return do_cmd(self, "hmset", hashname, ...)
end

-- hmget(key, {field, ...}) or hmget(key, field, ...)
function methods.hmget(self, hashname, ...)
    if select("#", ...) == 1 and type((...)) == "table" then
        local t = ...
        return do_cmd(self, "hmget", hashname, unpack(t, 1, #t))
    end
    return do_cmd(self, "hmget", hashname, ...)
end

-- read_reply(): the next reply, for subscribe mode.
function methods.read_reply(self)
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    if not rawget(self, "_subscribed") then
        return nil, "not subscribed"
    end
    local res, err = read_reply(self, sock)
    if type(res) == "table" and (res[1] == "unsubscribe" or res[1] == "punsubscribe") and res[3] == 0 then
        self._subscribed = false
    end
    return res, err
end

function methods.array_to_hash(self, t)
    local h = {}
    for i = 1, #t, 2 do
        h[t[i]] = t[i + 1]
    end
    return h
end

function methods.init_pipeline(self, n)
    self._reqs = {}
end

function methods.cancel_pipeline(self)
    self._reqs = nil
end

-- commit_pipeline(): the replies as one table (error replies as
-- {false, err}), or nil, err.
function methods.commit_pipeline(self)
    local reqs = rawget(self, "_reqs")
    if not reqs then
        return nil, "no pipeline"
    end
    self._reqs = nil
    local sock = rawget(self, "_sock")
    if not sock then
        return nil, "not initialized"
    end
    local bytes, err = sock:send(reqs)
    if not bytes then
        return nil, err
    end
    local vals = {}
    for i = 1, #reqs do
        local res
        res, err = read_reply(self, sock)
        if res then
            vals[i] = res
        elseif res == nil then
            return nil, err
        else
            vals[i] = { false, err }
        end
    end
    return vals
end

-- redis.add_commands(...): kept for old code; every name works anyway.
function _M.add_commands(...)
    for i = 1, select("#", ...) do
        local name = select(i, ...)
        if methods[name] == nil then
            methods[name] = make_cmd(name)
        end
    end
end

-- Method lookup: the client's own methods first, then a command method
-- made (once) for any other name.
mt.__index = function(self, name)
    local m = methods[name]
    if m ~= nil then
        return m
    end
    if type(name) ~= "string" or sub(name, 1, 1) == "_" then
        return nil
    end
    m = make_cmd(name)
    methods[name] = m
    return m
end

-- the module table also answers command names: redis.get(red, "k")
setmetatable(_M, { __index = function(_, name)
    local m = methods[name]
    if m == nil and type(name) == "string" and sub(name, 1, 1) ~= "_" then
        m = make_cmd(name)
        methods[name] = m
    end
    return m
end })

return _M
