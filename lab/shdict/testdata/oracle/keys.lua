for i = 1, 5 do d:set("k" .. i, i) end
p(table.concat(d:get_keys(), ",")) d:get("k2") p(table.concat(d:get_keys(), ",")) p(table.concat(d:get_keys(2), ","))
p(#d:get_keys(0)) p(type(d:get_keys(-1)))
d:set("x1", 1, 0.001) d:set("x2", 1, 0.001) d:set("x3", 1, 0.001) ngx.sleep(0.01)
p(table.concat(d:get_keys(0), ",")) p(d:flush_expired(2)) p(d:flush_expired()) p(d:flush_expired())
for i = 1, 1100 do d:set("m" .. i, i) end p(#d:get_keys()) p(#d:get_keys(0))
p(d:flush_all()) p(#d:get_keys(0)) p(d:get("k1")) p(d:get_stale("k1")) p(d:get_stale("m1100")) p(d:flush_expired() > 1000)
