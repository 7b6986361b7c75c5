-- A stand-in for a backend: it sends a short text in pieces of ?size=
-- bytes (10 by default), yielding between pieces as a proxied upstream
-- would deliver them. It announces the length up front and adds a header
-- meant for the inside only. Do not change this file: fix the response in
-- the filters.
local _M = {}

_M.text = "nginx serves the web with a few workers.\n"
    .. "Each nginx worker runs one thread and one event loop.\n"
    .. "When a request has to wait, nginx moves on to the next one.\n"

function _M.send()
    local size = math.max(tonumber(ngx.var.arg_size) or 10, 1)
    ngx.header.content_type = "text/plain"
    ngx.header.content_length = #_M.text
    ngx.header["X-Backend-Host"] = "10.0.0.7"
    for i = 1, #_M.text, size do
        ngx.print(_M.text:sub(i, i + size - 1))  -- one call of the body filter
        ngx.sleep(0.001)                         -- the next piece comes later
    end
end

return _M
