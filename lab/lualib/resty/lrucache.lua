-- resty.lrucache for RestyLab: an LRU cache of Lua values living in one
-- worker's Lua VM, with the API of OpenResty's lua-resty-lrucache 0.13.
-- Written for the lab (plain Lua 5.1, no FFI).
--
-- Layout: a doubly linked ring of nodes with a sentinel `head`;
-- head.next is the most recently used node, head.prev the least recently
-- used one. `nodes` maps a key to its node.

local now = ngx.now
local type = type
local floor = math.floor
local setmetatable = setmetatable

local _M = { _VERSION = "0.13" }
local mt = { __index = _M }

local function unlink(n)
    n.prev.next = n.next
    n.next.prev = n.prev
end

local function push_front(head, n)
    n.next = head.next
    n.prev = head
    head.next.prev = n
    head.next = n
end

-- new(max_items [, load_factor]): load_factor is accepted for
-- resty.lrucache.pureffi compatibility and has no effect.
function _M.new(size, load_factor)
    if type(size) ~= "number" or size < 1 then
        return nil, "size too small"
    end
    local head = {}
    head.next, head.prev = head, head
    return setmetatable({ size = floor(size), n = 0, head = head, nodes = {} }, mt)
end

local function to_flags(flags)
    if type(flags) ~= "number" then
        return 0
    end
    flags = floor(flags) % 4294967296 -- a uint32_t in the original
    return flags
end

function _M.set(self, key, value, ttl, flags)
    local node = self.nodes[key]
    if node then
        unlink(node)
    elseif self.n < self.size then
        node = {}
        self.n = self.n + 1
    else
        -- reuse the least recently used node
        node = self.head.prev
        unlink(node)
        self.nodes[node.key] = nil
    end
    node.key, node.value, node.flags = key, value, to_flags(flags)
    if ttl then
        node.expire = now() + ttl
    else
        node.expire = -1
    end
    self.nodes[key] = node
    push_front(self.head, node)
end

-- get(key): value, nil, flags when fresh; nil, stale_value, flags when
-- expired; a single nil when absent.
function _M.get(self, key)
    local node = self.nodes[key]
    if node == nil then
        return nil
    end
    unlink(node)
    push_front(self.head, node)
    if node.expire >= 0 and node.expire < now() then
        return nil, node.value, node.flags
    end
    return node.value, nil, node.flags
end

function _M.delete(self, key)
    local node = self.nodes[key]
    if node == nil then
        return false
    end
    unlink(node)
    self.nodes[key] = nil
    self.n = self.n - 1
    return true
end

function _M.count(self)
    return self.n
end

function _M.capacity(self)
    return self.size
end

-- get_keys(max_count?, res?): keys from the most to the least recently
-- used; max_count nil or 0 means all. res, when given, is filled and
-- cleared beyond the keys.
function _M.get_keys(self, max_count, res)
    if not max_count or max_count == 0 then
        max_count = self.n
    end
    res = res or {}
    local i = 0
    local node = self.head.next
    while node ~= self.head and i < max_count do
        i = i + 1
        res[i] = node.key
        node = node.next
    end
    local j = i + 1
    while res[j] ~= nil do
        res[j] = nil
        j = j + 1
    end
    return res
end

function _M.flush_all(self)
    local head = self.head
    head.next, head.prev = head, head
    self.nodes = {}
    self.n = 0
end

return _M
