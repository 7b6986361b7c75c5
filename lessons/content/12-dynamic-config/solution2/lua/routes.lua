-- Routing rules from redis.lab, kept in the shared dict "routes".
local redis = require "resty.redis"

local _M = {}

local KEY = "lesson12:routes"
local PERIOD = 1 -- seconds between refreshes
local TTL = 3    -- a rule not seen for this long is forgotten

local function load_rules()
    local red = redis:new()
    red:set_timeouts(300, 300, 500)
    local ok, err = red:connect("redis.lab", 6379)
    if not ok then
        return nil, err
    end
    local flat
    flat, err = red:hgetall(KEY)
    if not flat then
        red:close()
        return nil, err
    end
    red:set_keepalive(30000, 2)
    return red:array_to_hash(flat)
end

local function tick(premature)
    if premature then
        return
    end
    local rules, err = load_rules()
    if not rules then
        ngx.log(ngx.WARN, "routes not refreshed: ", err)
        return
    end
    local dict = ngx.shared.routes
    for path, backend in pairs(rules) do
        dict:set(path, backend, TTL)
    end
end

-- start runs in init_worker: the shared dict needs only one writer.
function _M.start()
    if ngx.worker.id() ~= 0 then
        return
    end
    assert(ngx.timer.at(0, tick))
    assert(ngx.timer.every(PERIOD, tick))
end

-- backend names the backend of a path: its rule, or blue.
function _M.backend(path)
    local b = ngx.shared.routes:get(path)
    if b == "green" or b == "blue" then
        return b
    end
    return "blue"
end

return _M
