-- Runs oracle cases and serialises their results, identically on real
-- nginx (content_by_lua_file) and on a gopher-lua LState with lualib.
-- CASES is defined before this file's text by the test helper.
local null = ngx.null

local function esc(s)
  return (s:gsub('[%c"\\\128-\255]', function(c) return string.format("\\%03d", c:byte()) end))
end

local function num(v)
  if v ~= v then return "nan" end
  if v == 1 / 0 then return "inf" end
  if v == -1 / 0 then return "-inf" end
  if v == math.floor(v) and v > -2^53 and v < 2^53 then
    if v == 0 and 1 / v < 0 then return "-0" end
    return string.format("%d", v)
  end
  return string.format("%.17g", v)
end

local ser
ser = function(v, seen)
  local t = type(v)
  if t == "string" then return '"' .. esc(v) .. '"' end
  if t == "number" then return num(v) end
  if t == "nil" or t == "boolean" then return tostring(v) end
  if v == null then return "NULL" end
  if t ~= "table" then return t end
  seen = seen or {}
  if seen[v] then return "<cycle>" end
  seen[v] = true
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = (type(k) == "string" and k or "[" .. ser(k, seen) .. "]") .. "=" .. ser(v[k], seen)
  end
  seen[v] = nil
  return "{" .. table.concat(parts, ",") .. "}"
end

local function normerr(e)
  if type(e) ~= "string" then return "ERR " .. ser(e) end
  e = e:gsub("^[^:\n]*:%d+: ", "")
  e = e:gsub("to '[^']*' %(", "to '?' (")
  return "ERR " .. e
end

local function pack(...) return { n = select("#", ...), ... } end

local function run1(code)
  local f, err = loadstring(code, "=case")
  if not f then return "COMPILE " .. tostring(err) end
  local r = pack(pcall(f))
  if not r[1] then return normerr(r[2]) end
  local out = {}
  for i = 2, r.n do out[#out + 1] = ser(r[i]) end
  return table.concat(out, ", ")
end

-- P is pcall for the cases, with the error normalised like a top-level one.
function P(...)
  local r = pack(pcall(...))
  if not r[1] then return false, normerr(r[2]) end
  return unpack(r, 1, r.n)
end

local lines = { "__cjson\t" .. tostring((pcall(require, "cjson"))) }
for _, c in ipairs(CASES) do
  lines[#lines + 1] = c[1] .. "\t" .. run1(c[2])
end
local RESULT = table.concat(lines, "\n") .. "\n"
