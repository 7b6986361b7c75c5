-- Opening and releasing connections to redis.lab, for every handler.
local redis = require "resty.redis"

local _M = {}

-- open returns a connected resty.redis client, or nil and the error.
function _M.open()
    local red = redis:new()
    red:set_timeout(1000) -- ms, for connect, send and read
    local ok, err = red:connect("redis.lab", 6379)
    if not ok then
        return nil, err
    end
    return red
end

-- release is called once the handler is done with red.
function _M.release(red)
    red:close()
end

return _M
