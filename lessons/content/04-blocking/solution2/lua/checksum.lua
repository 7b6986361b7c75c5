-- Checksum of records 1..n, computed in batches of `batch` records; between
-- batches the coroutine sleeps for `pause` seconds (at least 1 ms: a zero
-- sleep does not reach epoll on a stock nginx), so the worker serves others.
local _M = {}

local function batch_sum(sum, from, to)
    for i = from, to do
        sum = (sum + i * i) % 1000003
    end
    return sum
end

function _M.run(n, batch, pause)
    local sum = 0
    for from = 1, n, batch do
        sum = batch_sum(sum, from, math.min(from + batch - 1, n))
        ngx.sleep(pause or 0.002)
    end
    return sum
end

return _M
