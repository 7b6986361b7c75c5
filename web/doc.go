// Package web is the lab's HTTP and WebSocket server (`restylab serve`): the
// pages (views), the JSON API the front end calls, the WebSocket that
// streams a session's trace, error_log and state, and the reverse proxy
// /s/{session}/ to the session's sandboxed instance. docs/web.md is the
// contract with the front end.
//
// # Sessions
//
// A session is an unguessable id in a cookie ("__Host-restylab_session" on
// HTTPS, "restylab_session" otherwise) or the X-Restylab-Session header,
// for embeds whose cookies a browser may block. The proxy keeps both away
// from learners' instances, and keeps learners' responses from setting the
// lab's cookies (proxy_scrub.go). A session owns a
// workspace in the store and, while it is used, one sandbox.Instance.
// The instance starts on first use (apply, send, burst, proxy, WebSocket)
// and is restarted by the next use after it ended; its exit reason is kept
// for the learner.
//
// # Concurrency
//
// A Server's handlers run on net/http's goroutines. Per session, one mutex
// serialises starting and reloading the instance; one pump goroutine per
// instance fans its events out to the WebSocket subscribers, each with a
// bounded queue: a slow browser loses batches (counted), never slows the
// instance or the other subscribers.
package web
