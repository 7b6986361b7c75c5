// Package event is a worker's event loop: one epoll instance, a timer heap
// and a queue of posted events, driven from one OS thread, in the shape of
// nginx's ngx_process_events_and_timers:
//
//	for {
//		wait in epoll_wait, at most until the nearest timer
//		call the handler of every ready file descriptor
//		run the expired timers
//		run the posted events
//	}
//
// Concurrency: a Loop and everything registered with it belong to the
// goroutine that calls Run (locked to its OS thread). Only Submit and Stop
// may be called from other goroutines: they queue a task and wake the loop
// through an eventfd.
package event
