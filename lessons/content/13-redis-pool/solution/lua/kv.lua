-- Opening and releasing connections to redis.lab, for every handler.
local redis = require "resty.redis"

local _M = {}

-- open returns a connected resty.redis client, or nil and the error. A
-- connection from the worker's pool comes back already connected.
function _M.open()
    local red = redis:new()
    red:set_timeout(1000) -- ms, for connect, send and read
    local ok, err = red:connect("redis.lab", 6379)
    if not ok then
        return nil, err
    end
    return red
end

-- release puts the connection into the worker's pool: kept open for up to
-- 10 s of idleness, at most 16 idle connections. Call it only after every
-- reply was read: a connection with unread bytes must be closed instead.
function _M.release(red)
    local ok, err = red:set_keepalive(10000, 16)
    if not ok then
        ngx.log(ngx.WARN, "redis keepalive: ", err)
        red:close()
    end
end

return _M
