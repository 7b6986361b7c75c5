ngx.say("hello, version 2")
