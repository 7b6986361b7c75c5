for i = 1, 62 do tiny:set("k" .. i, i) end
p(tiny:get("k1")) p(tiny:set("new1", 1)) p(tiny:get("k1")) p(tiny:get("k2")) p(tiny:get("k3"))
p(tiny:set("k4", 44)) p(tiny:add("new2", 2)) p(tiny:get("k4")) p(tiny:get("k5"))
p(tiny:incr("new3", 1, 0)) p(tiny:get("k6")) p(tiny:lpush("new4", 1)) p(tiny:get("k7")) p(tiny:get("k8"))
tiny:set("k9", 9, 0.001) tiny:set("k10", 10, 0.001) ngx.sleep(0.01)
p(tiny:set("new5", 5)) p(tiny:get_stale("k9")) p(tiny:get_stale("k10")) p(tiny:get("k11"))
local ks = tiny:get_keys(0) p(#ks) p(ks[1], ks[2], ks[3])
p(tiny:set("newbig", ("z"):rep(2000))) p(#tiny:get_keys(0)) p(tiny:safe_set("newbig2", ("z"):rep(2000))) p(tiny:free_space())
