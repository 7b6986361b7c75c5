ngx.say("img")
local = 1
