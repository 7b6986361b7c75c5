-- Lesson 7, second solution: the phases of a request as a string in ngx.ctx.
local _M = {}

-- mark appends the current phase (ngx.get_phase()) to ngx.ctx.trail, once.
function _M.mark()
    local ctx = ngx.ctx
    local phase = ngx.get_phase()
    ctx.marked = ctx.marked or {}
    if ctx.marked[phase] then
        return ctx.trail
    end
    ctx.marked[phase] = true
    ctx.trail = ctx.trail and (ctx.trail .. " " .. phase) or phase
    return ctx.trail
end

local function send_stats(premature, uri)
    if premature then
        return
    end
    ngx.sleep(0.01)
    ngx.log(ngx.NOTICE, "stats sent for ", uri)
end

-- report queues the stats for after the request: the log phase may not wait.
function _M.report()
    local ok, err = ngx.timer.at(0, send_stats, ngx.var.uri)
    if not ok then
        ngx.log(ngx.ERR, "failed to queue stats: ", err)
    end
end

return _M
