-- Replacements for pcall, xpcall and the coroutine library that let the
-- engine's blocking APIs yield through them (see doc.go). Loaded once per VM.
local SENT, adopt, co_yield, abort, argerror = ...
local co_create, co_resume, co_status = coroutine.create, coroutine.resume, coroutine.status
local co_lib = coroutine -- its status may be replaced later (the engine's, for light threads and pcall bodies)
local builtin_pcall = pcall
local unpack, type, error, select, find, sub = unpack, type, error, select, string.find, string.sub

local function pack(...)
  return { n = select("#", ...), ... }
end

local function pass(...)
  return ...
end

-- starter runs f without a tail call: gopher-lua misreports a yield from a
-- coroutine whose top-level function tail-calls the yielding function.
local function starter(f, ...)
  return pass(f(...))
end

-- clean removes the position of this file from an error raised by a Go
-- function that the wrappers below called directly (pcall(cjson.decode, s)):
-- like a C function in LuaJIT, it has no Lua caller to name.
local function clean(r)
  if r[1] == false and type(r[2]) == "string" then
    local _, e = find(r[2], "^%[C%]:%d+: ")
    if e then
      r[2] = sub(r[2], e + 1)
    end
  end
  return r
end

-- run_body runs f(...) in a fresh coroutine and forwards every yield of the
-- body (the engine's or the user's) outward, returning pcall's results.
local function run_body(f, ...)
  local co = adopt(co_create(starter))
  local r = pack(co_resume(co, f, ...))
  while co_status(co) == "suspended" do
    r = pack(co_resume(co, co_yield(unpack(r, 2, r.n))))
  end
  return clean(r)
end

-- pcall and xpcall check their arguments as LuaJIT's (lj_ffh_pcall,
-- lj_ffh_xpcall): argerror names the function as the caller wrote it, at
-- the caller's position, as for a C function.
function pcall(...)
  if select("#", ...) == 0 then
    argerror(1, "value expected")
  end
  if type((...)) ~= "function" then
    return builtin_pcall(...)
  end
  local r = run_body(...)
  return unpack(r, 1, r.n)
end

-- An error inside the handler makes xpcall return false and "error in
-- error handling", as LuaJIT does (LUA_ERRERR).
function xpcall(...)
  local n = select("#", ...)
  if n == 0 then
    argerror(1, "value expected")
  end
  local f, handler = ...
  if type(handler) ~= "function" then
    argerror(2, "function expected, got " .. (n < 2 and "no value" or type(handler)))
  end
  local r
  if type(f) == "function" then
    r = run_body(f, select(3, ...))
  else
    r = pack(builtin_pcall(f, select(3, ...))) -- "attempt to call a nil value"
  end
  if r[1] then
    return unpack(r, 1, r.n)
  end
  local h = run_body(handler, r[2])
  if h[1] then
    return false, h[2]
  end
  return false, "error in error handling"
end

local function new_co(f)
  return adopt(co_create(function(...) return pass(f(...)) end))
end

-- fn_expected is the message of LuaJIT's argument error of create and
-- wrap, raised by argerror in them (their caller's name for them, '?' from
-- pcall).
local function fn_expected(...)
  return "function expected, got " .. (select("#", ...) == 0 and "no value" or type((...)))
end

local function create(...)
  if type((...)) ~= "function" then
    argerror(1, fn_expected(...))
  end
  return new_co((...))
end

local function resume(co, ...)
  if type(co) ~= "thread" then
    argerror(1, "coroutine expected")
  end
  local st = co_status(co)
  if st ~= "suspended" then
    -- ngx_lua's coroutine.resume names the status as coroutine.status
    -- shows it: running, normal or dead (plain LuaJIT says "running" for a
    -- normal one too; difftest coro/resume_running)
    if st == "dead" then
      return false, "cannot resume dead coroutine"
    end
    if co_lib.status(co) == "normal" then
      return false, "cannot resume normal coroutine"
    end
    return false, "cannot resume running coroutine"
  end
  local r = pack(co_resume(co, ...))
  -- only the engine's yields pass through a user coroutine
  while r[1] == true and r[2] == SENT and co_status(co) == "suspended" do
    r = pack(co_resume(co, co_yield(unpack(r, 2, r.n))))
  end
  clean(r)
  return unpack(r, 1, r.n)
end

-- In ngx_lua an error inside a wrapped coroutine aborts the whole request
-- (no pcall catches it), and calling a finished one returns false and a
-- message instead of raising.
local function wrap(...)
  if type((...)) ~= "function" then
    argerror(1, fn_expected(...))
  end
  local co = new_co((...))
  return function(...)
    if co_status(co) == "dead" then
      return false, "cannot resume dead coroutine"
    end
    local r = pack(resume(co, ...))
    if r[1] then
      return unpack(r, 2, r.n)
    end
    if abort then
      return abort(r[2])
    end
    error(r[2], 0)
  end
end

-- wrap_yielding makes a Go function that may yield safe to call from any
-- call site: gopher-lua resumes a yielded Go function without padding its
-- results with nils, so a call expecting more results than the resume
-- brings would read stale registers. Called in a multiple-results position
-- (an argument list), the Go function's results are exactly what the
-- resume pushed; the Lua wrapper then returns them with Lua's own rules.
local function wrap_yielding(fn)
  return function(...)
    return pass(fn(...)) -- the yielding call (coro.Raise skips this frame)
  end
end

coroutine.create = create
coroutine.resume = resume
coroutine.wrap = wrap
coroutine.yield = wrap_yielding(co_yield)

return wrap_yielding
