-- The shop's state, kept in two shared dicts so that every worker sees the
-- same prices and counts: "prices" (item -> price) and "lookups" (item ->
-- lookups since the price was set).
local _M = {}

local prices = ngx.shared.prices
local lookups = ngx.shared.lookups

-- load copies the price list into the dict; add keeps a price already
-- there, so running it again (a reload) does not undo a PUT.
function _M.load(list)
    for item, price in pairs(list) do
        prices:add(item, price)
    end
end

function _M.set(item, price)
    prices:set(item, price)
    lookups:delete(item)
end

-- lookup returns the price of item, counting the lookup, or nil.
function _M.lookup(item)
    local price = prices:get(item)
    if price then
        lookups:incr(item, 1, 0)
    end
    return price
end

function _M.price(item)
    return prices:get(item)
end

function _M.lookups(item)
    return lookups:get(item) or 0
end

return _M
