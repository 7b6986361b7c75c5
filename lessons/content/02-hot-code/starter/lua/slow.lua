-- The release is read when the request starts; the answer comes 3 s later.
local release = require "release"
ngx.sleep(3)
ngx.say("/slow started and finished with ", release.name)
