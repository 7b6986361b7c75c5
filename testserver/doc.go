// Package testserver runs the upstream services that learners' Lua talks to
// (through cosockets and proxying): an httpbin-like HTTP server, three small
// line-based TCP servers and a Redis server preloaded with lesson data, all on
// loopback. The lab starts them in-process with [Start]; `restylab testserver`
// runs them standalone.
//
// # Lab host names
//
// Lessons never hard-code ports. They use fixed host names, which the lab
// resolves with [Services.HostMap] to the address each service listens on:
//
//	httpbin.lab  HTTP, httpbin-like (see below)
//	echo.lab     TCP: echoes every line back
//	slow.lab     TCP: echoes every line back after a delay
//	closer.lab   TCP: reads one line, sends half of its echo, closes
//	redis.lab    Redis (miniredis), preloaded with the data below
//
// # HTTP (httpbin.lab)
//
//	/echo, /echo/...    method, path, uri, args, headers and body back as JSON (any method)
//	/delay/{ms}         answers after ms milliseconds (at most MaxDelay)
//	/status/{code}      answers with that status (200-599); 3xx carry Location: /echo
//	/headers            the request headers as JSON
//	/bytes/{n}?seed=S   n pseudo-random bytes (at most MaxBytes), the same for the same seed
//	/stream/{n}         n JSON lines (at most MaxStreamLines), chunked, flushed one by one;
//	                    ?interval=ms waits between lines (at most MaxDelay)
//	/drip?bytes=&duration=&delay=
//	                    a slow body: bytes '*' (at most MaxDripBytes) spread over duration
//	                    seconds, after delay seconds (each at most MaxDelay)
//	/json               a fixed JSON document (JSONDocument)
//	/cache              ETag and Last-Modified; 304 on a matching If-None-Match or If-Modified-Since
//
// Out-of-range sizes and delays are clamped to their limits, as httpbin does;
// malformed numbers get 400.
//
// # TCP (echo.lab, slow.lab, closer.lab)
//
// Each server reads lines (ended by "\n", a trailing "\r" is dropped, at most
// MaxLineLength bytes) and handles every connection in its own goroutine.
// A connection idle for longer than Config.IdleTimeout is closed, as is one
// whose line is too long. At most Config.MaxConns connections are served at
// once per server; a connection beyond that is accepted and closed at once.
//
//   - echo.lab answers each line with the line and "\n".
//   - slow.lab does the same after a delay: when the line's first word is a
//     number, that many milliseconds (at most MaxDelay), otherwise
//     Config.SlowDelay. "250 hi" is answered "250 hi\n" after 250 ms.
//   - closer.lab reads one line, writes the first half of its echo (for
//     "hello", "hel" of "hello\n") and closes the connection: a cosocket's
//     receive() then returns nil, "closed" and the partial "hel".
//
// # Redis (redis.lab)
//
// A miniredis server holding (see [RedisSeed]):
//
//	greeting           string  "hello from redis.lab"
//	lesson:current     string  "cosockets"
//	user:1:name        string  "Ada"
//	user:1             hash    name=Ada lang=lua city=London
//	queue:jobs         list    "resize:cat.png" "resize:dog.png" "mail:welcome" (LRANGE order)
//	counter:hits       string  "41" (INCR gives 42)
//	cert:NAME, key:NAME string  the lab's certificate of NAME and its key, PEM
//	                           (labca.Names: default.test, a.test, b.test)
//	cert:ca            string  the lab's CA certificate, PEM
//
// # Concurrency
//
// Every method of [Services] is safe for use from any goroutine. Each server
// runs its own goroutines; [Services.Close] stops accepting, closes every
// connection, interrupts pending delays and returns once every goroutine the
// package started has finished.
package testserver
