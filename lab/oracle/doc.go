// Package oracle runs Debian's nginx with the lua module as the oracle of
// differential tests: a test hands it the body of an http block, gets back a
// live nginx on a loopback port, and compares what that nginx answers with
// what the lab answers.
//
// It owns everything about running the real server: whether it is installed
// ([Available]), choosing a port ([FreePort]), writing a complete nginx.conf
// into a private t.TempDir() prefix, starting nginx, waiting until it
// accepts connections, and stopping it when the test ends ([Start]). What to
// do when nginx is missing is the caller's decision: call [Available] and
// t.Skip (or fall back to recorded outputs) before calling [Start].
//
// Concurrency: [Available], [FreePort] and [Start] may be called from
// parallel tests; every [Server] has its own prefix directory, port and
// process, so servers never share state. A Server's methods are safe for
// concurrent use. Like any testing.TB user, [Start] and [Server.Get] report
// failures with t.Fatal and so must run on the test's own goroutine. The
// server is stopped by a t.Cleanup that Start registers: SIGQUIT (graceful
// shutdown), then SIGKILL to nginx's whole process group after a grace
// period; the cleanup returns only after the process has been reaped.
package oracle
