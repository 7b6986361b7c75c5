p(d:free_space()) p(tiny:free_space())
local function fill(z, mk)
  for i = 1, 100000 do
    local ok, err, forcible = z:set(mk(i))
    if not ok or forcible then return i, ok, err, forcible, z:free_space() end
  end
end
p(fill(d, function(i) return "k" .. i, i end))
d:flush_all() d:flush_expired() p(d:free_space())
p(fill(d, function(i) return "s" .. i, ("v"):rep(100) end)) d:flush_all() d:flush_expired()
p(fill(d, function(i) return "p" .. i, ("v"):rep(3000) end)) d:flush_all() d:flush_expired()
p(fill(d, function(i) return "q" .. i, ("v"):rep(5000) end)) d:flush_all() d:flush_expired()
p(fill(d, function(i) return "r" .. i, true end)) d:flush_all() d:flush_expired()
p(fill(tiny, function(i) return "k" .. i, i end))
p(tiny:safe_set("another", 1)) p(tiny:safe_add("another", 1)) p(tiny:set("huge", ("h"):rep(20000)))
tiny:flush_all() tiny:flush_expired() p(tiny:free_space())
for i = 1, 100000 do local n, err = tiny:rpush("list", ("e"):rep(10)) if not n then p(i, n, err) break end end
p(tiny:llen("list")) p(tiny:set("after", 1))
