-- A module runs once per Lua VM: require returns the same table afterwards,
-- so the local n below lives as long as the VM does.
local M = {}
local n = 0

function M.next()
    n = n + 1
    return n
end

return M
