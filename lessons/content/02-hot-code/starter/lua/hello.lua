ngx.say("hello, version 1")
