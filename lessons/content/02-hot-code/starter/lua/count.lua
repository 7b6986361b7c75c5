local visits = require "visits"
ngx.say(visits.next())
