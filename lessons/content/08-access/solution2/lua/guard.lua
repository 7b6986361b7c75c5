-- Access checks shared by several locations. Each function either returns
-- (the request goes on to the next phase) or ends the request with a status.
local _M = {}

local api_keys = {
    "k-alice-7f3a",
    "k-bob-91c2",
}

local function known(key)
    for _, k in ipairs(api_keys) do
        if k == key then
            return true
        end
    end
    return false
end

-- api_key: the request must carry a known key in X-API-Key, else 401.
function _M.api_key()
    local key = ngx.req.get_headers()["x-api-key"]
    if type(key) == "table" then -- the header was sent more than once
        key = key[1]
    end
    if key == nil or not known(key) then
        ngx.header.www_authenticate = "ApiKey"
        ngx.exit(401)
    end
end

-- from: the connection must come from one of the addresses, else 403.
function _M.from(...)
    local peer = ngx.var.remote_addr
    for i = 1, select("#", ...) do
        if select(i, ...) == peer then
            return
        end
    end
    ngx.log(ngx.WARN, "address ", peer, " is not on the allow list")
    ngx.exit(403)
end

return _M
