-- Checksum of records 1..n, computed in batches of `batch` records; between
-- batches the coroutine yields so the worker can serve other requests.
local _M = {}

local function batch_sum(sum, from, to)
    for i = from, to do
        sum = (sum + i * i) % 1000003
    end
    return sum
end

function _M.run(n, batch)
    local sum = 0
    for from = 1, n, batch do
        sum = batch_sum(sum, from, math.min(from + batch - 1, n))
        coroutine.yield()
    end
    return sum
end

return _M
