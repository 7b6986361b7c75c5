-- Feature detection done once, when the module loads: FFI may be missing
-- (this lab), the jit table may be missing (plain Lua 5.1) or say that no
-- compiler runs (this lab: jit.status() is false).
local _M = {}

local ok, ffi = pcall(require, "ffi")
if not ok then
    ffi = nil
end

local function compiler_state()
    if not jit then
        return "none"
    end
    if jit.status() then
        return "on"
    end
    return "off"
end

-- djb2: h = h * 33 + byte, kept to 32 bits; h * 33 is (h << 5) + h.
local function step(h, c)
    return bit.tobit(bit.lshift(h, 5) + h + c)
end

local function bytes_ffi(s)
    local n = #s
    local p = ffi.cast("const uint8_t *", s)
    local h = 5381
    for i = 0, n - 1 do
        h = step(h, p[i])
    end
    return h
end

local function bytes_lua(s)
    local h = 5381
    -- string.byte returns many bytes at once: 64 per call
    for from = 1, #s, 64 do
        local chunk = { string.byte(s, from, from + 63) }
        for k = 1, #chunk do
            h = step(h, chunk[k])
        end
    end
    return h
end

function _M.checksum(body)
    body = body or ""
    local h = ffi and bytes_ffi(body) or bytes_lua(body)
    return string.format("%08x", h % 2^32)
end

function _M.report()
    return "ffi=" .. (ffi and "yes" or "no") .. " jit=" .. compiler_state()
end

return _M
