-- Prepended to every snippet, on real nginx and on the lab's binding.
-- p prints how many values a call returned and each of them; error
-- positions ("file:line: ") are stripped because chunk names differ.
local function p(...)
  local n = select('#', ...)
  local t = {}
  for i = 1, n do
    local v = select(i, ...)
    if type(v) == "string" then
      t[i] = ("%q"):format((v:gsub("^[^\n]-:%d+: ", "")))
    else
      t[i] = tostring(v)
    end
  end
  ngx.say(n, ": ", table.concat(t, " "))
end
local d, tiny = ngx.shared.d, ngx.shared.tiny
for _, z in ipairs({d, tiny}) do z:flush_all() z:flush_expired() end
