-- resty.lock for RestyLab: a mutex over a lua_shared_dict with the API of
-- OpenResty's lua-resty-lock. Written for the lab (plain Lua 5.1).
--
-- lock(key) tries dict:add(key); while the key exists it sleeps with
-- ngx.sleep in growing steps (step, step*ratio, ... at most max_step)
-- until the add succeeds or `timeout` seconds of steps have passed. The
-- entry expires after `exptime` seconds, so a lock whose holder never
-- unlocks is released anyway.

local shared = ngx.shared
local sleep = ngx.sleep
local min = math.min
local max = math.max
local setmetatable = setmetatable

local _M = { _VERSION = "0.09" }
local mt = { __index = _M }

-- new(dict_name, opts?): called as lock:new(name, opts) or lock.new(name, opts).
function _M.new(_, dict_name, opts)
    local dict = shared[dict_name]
    if not dict then
        return nil, "dictionary not found"
    end
    local exptime, timeout, step, ratio, max_step = 30, 5, 0.001, 2, 0.5
    if opts then
        exptime = opts.exptime or exptime
        timeout = opts.timeout or timeout
        step = opts.step or step
        ratio = opts.ratio or ratio
        max_step = opts.max_step or max_step
    end
    return setmetatable({
        dict = dict, exptime = exptime, timeout = timeout,
        step = step, ratio = ratio, max_step = max_step,
    }, mt)
end

-- lock(key): the time waited (the sum of the sleep steps), or nil, err.
function _M.lock(self, key)
    if key == nil then
        return nil, "nil key"
    end
    if self.key then
        return nil, "locked"
    end
    local dict, exptime = self.dict, self.exptime
    local ok, err = dict:add(key, true, exptime)
    if ok then
        self.key = key
        return 0
    end
    if err ~= "exists" then
        return nil, err
    end
    local step, timeout, elapsed = self.step, self.timeout, 0
    while timeout > 0 do
        if step > timeout then
            step = timeout
        end
        sleep(step)
        elapsed = elapsed + step
        timeout = timeout - step
        ok, err = dict:add(key, true, exptime)
        if ok then
            self.key = key
            return elapsed
        end
        if err ~= "exists" then
            return nil, err
        end
        if timeout <= 0 then
            break
        end
        step = min(max(0.001, step * self.ratio), timeout, self.max_step)
    end
    return nil, "timeout"
end

-- unlock(): 1, or nil, "unlocked" when no lock is held.
function _M.unlock(self)
    local key = self.key
    if not key then
        return nil, "unlocked"
    end
    self.key = nil
    local ok, err = self.dict:delete(key)
    if not ok then
        return nil, err
    end
    return 1
end

-- expire(timeout?): resets the lock entry's expiry to timeout (or exptime)
-- seconds from now; true, or nil, err.
function _M.expire(self, time)
    local key = self.key
    if not key then
        return nil, "unlocked"
    end
    local ok, err = self.dict:replace(key, true, time or self.exptime)
    if not ok then
        return nil, err
    end
    return true
end

return _M
