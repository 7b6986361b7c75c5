-- One line sent to a line-based TCP service, one line read back.
local _M = {}

-- line(host, text, read_ms?) returns the reply without its newline, or
-- nil and the error ("timeout", "closed", ...).
function _M.line(host, text, read_ms)
    local sock, err = ngx.socket.connect(host, 7)
    if not sock then
        return nil, "connect: " .. err
    end
    sock:settimeouts(1000, 1000, read_ms or 5000)
    local ok
    ok, err = sock:send({ text, "\n" })
    if not ok then
        sock:close()
        return nil, "send: " .. err
    end
    local read_line = sock:receiveuntil("\n")
    local reply
    reply, err = read_line()
    sock:close()
    if not reply then
        return nil, err
    end
    return reply
end

return _M
