package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/sandbox/proto"
)

// wsMessage is one WebSocket message to the browser (docs/web.md); the
// fields used depend on T.
type wsMessage struct {
	T        string             `json:"t"`
	Session  string             `json:"session,omitempty"`
	Workers  int                `json:"workers,omitempty"`
	Paused   bool               `json:"paused,omitempty"`
	State    string             `json:"state,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	Pending  []string           `json:"pending,omitempty"`
	Events   []json.RawMessage  `json:"events,omitempty"`
	Dropped  int64              `json:"dropped,omitempty"`
	Level    *int               `json:"level,omitempty"`
	Line     string             `json:"line,omitempty"`
	Access   []proto.AccessLine `json:"lines,omitempty"`
	OK       *bool              `json:"ok,omitempty"`
	Warnings []string           `json:"warnings,omitempty"`
	Error    *applyError        `json:"error,omitempty"`
	// Addresses: the listen addresses of the running instance ("hello",
	// "applied", "state" running).
	Addresses []addressJSON `json:"addresses,omitempty"`
	// Kept: a "workspace" message (the teacher pushed a workspace) names
	// the snapshot the learner's code was kept in.
	Kept string `json:"kept,omitempty"`
	*proto.Health
}

// wsCommand is a message from the browser.
type wsCommand struct {
	T string `json:"t"`
	N int    `json:"n"`
}

// Timing of the WebSocket writer.
const (
	traceInterval = 50 * time.Millisecond // at most one trace message per interval
	writeWait     = 10 * time.Second
	pingEvery     = 30 * time.Second
	maxBatch      = 20000 // events in one trace message
)

// subscriber is one WebSocket connection of a session. The pump offers
// messages without blocking; what does not fit is dropped and counted.
type subscriber struct {
	queue   chan wsMessage
	dropped chan int64         // events lost, reported in the next message
	lost    prometheus.Counter // events this subscriber dropped (nil: not counted)
}

func newSubscriber() *subscriber {
	return &subscriber{queue: make(chan wsMessage, DefaultSubscriberQueue), dropped: make(chan int64, 1)}
}

// offer queues m or counts its events as dropped.
func (sub *subscriber) offer(m wsMessage) {
	select {
	case sub.queue <- m:
		return
	default:
	}
	if m.T != "trace" {
		return // log lines and states are lossy too, but not counted as events
	}
	n := int64(len(m.Events)) + m.Dropped
	if sub.lost != nil {
		sub.lost.Add(float64(len(m.Events))) // m.Dropped was lost before the lab, counted there
	}
	for {
		select {
		case old := <-sub.dropped:
			n += old
		default:
		}
		select {
		case sub.dropped <- n:
			return
		default:
		}
	}
}

// broadcast offers m to every subscriber of the session.
func (sess *session) broadcast(m wsMessage) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	for sub := range sess.subs {
		sub.offer(m)
	}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 64 << 10, EnableCompression: true}

// websocket streams the session's events and takes step commands.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	if id := r.URL.Query().Get("session"); id != "" && r.Header.Get(sessionHeader) == "" {
		r.Header.Set(sessionHeader, id)
	}
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	sub := newSubscriber()
	sub.lost = s.met.traceDropWS
	sess.mu.Lock()
	sess.subs[sub] = struct{}{}
	first := len(sess.subs) == 1
	hello := wsMessage{T: "hello", Session: sess.id, State: sess.state, Reason: sess.reason}
	in := sess.in
	sess.mu.Unlock()
	if in != nil {
		hello.Workers = in.Workers() // after the lab's caps, as the instance reported it
		if in.Exited() == "" {
			hello.Addresses = addressList(in)
			if h := in.Health(); h != (proto.Health{}) {
				hello.Health = &h // pump sends it again only when it changes
			}
		}
	}
	if first && in != nil {
		s.setTrace(sess, true)
	}
	if in == nil || in.Exited() != "" {
		go s.warmUp(sess) // an open page gets its instance without waiting for a first request
	}
	done := make(chan struct{})
	go s.wsWriter(conn, sub, hello, done)
	s.wsReader(conn, sess)
	close(done)
	sess.mu.Lock()
	delete(sess.subs, sub)
	last := len(sess.subs) == 0
	sess.mu.Unlock()
	if last {
		s.setTrace(sess, false)
	}
}

// warmUp starts the session's instance for a tab that just connected. A
// saved workspace that does not load reaches the tab as an "applied"
// message with the error, so the editor marks the line at once.
func (s *Server) warmUp(sess *session) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := s.instance(ctx, sess)
	var lerr *sandbox.LoadError
	switch {
	case errors.As(err, &lerr):
		ok := false
		sess.broadcast(wsMessage{T: "applied", OK: &ok, Warnings: []string{}, Error: &applyError{Message: lerr.Message, File: lerr.File, Line: lerr.Line}})
	case err != nil:
		_, msg := startError(err)
		s.setState(sess, "stopped", msg)
	}
}

// setTrace turns the instance's trace stream on or off.
func (s *Server) setTrace(sess *session, on bool) {
	sess.mu.Lock()
	in := sess.in
	changed := sess.traceOn != on
	sess.traceOn = on
	sess.mu.Unlock()
	if in != nil && changed {
		_ = in.SetTrace(on)
	}
}

// wsReader runs the browser's commands until the connection ends.
func (s *Server) wsReader(conn *websocket.Conn, sess *session) {
	conn.SetReadLimit(4096)
	conn.SetReadDeadline(time.Now().Add(2 * pingEvery))
	conn.SetPongHandler(func(string) error {
		conn.SetReadDeadline(time.Now().Add(2 * pingEvery))
		return nil
	})
	for {
		var cmd wsCommand
		if err := conn.ReadJSON(&cmd); err != nil {
			return
		}
		conn.SetReadDeadline(time.Now().Add(2 * pingEvery))
		in := sess.running()
		if in == nil {
			continue
		}
		s.command(sess, in, cmd)
	}
}

// wsWriter sends the hello, then the subscriber's queue, merging trace
// batches so that at most one trace message goes out per traceInterval.
func (s *Server) wsWriter(conn *websocket.Conn, sub *subscriber, hello wsMessage, done <-chan struct{}) {
	defer conn.Close()
	write := func(m wsMessage) bool {
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WriteJSON(m) == nil
	}
	if !write(hello) {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var pending *wsMessage // trace events waiting for the next interval
	var flush <-chan time.Time
	lastTrace := time.Time{}
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			conn.SetWriteDeadline(time.Now().Add(writeWait))
			if conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		case m := <-sub.queue:
			if m.T != "trace" {
				if !write(m) {
					return
				}
				continue
			}
			if pending == nil {
				pending = &m
			} else if len(pending.Events)+len(m.Events) > maxBatch {
				pending.Dropped += int64(len(m.Events)) + m.Dropped
				if sub.lost != nil {
					sub.lost.Add(float64(len(m.Events)))
				}
			} else {
				pending.Events = append(pending.Events, m.Events...)
				pending.Dropped += m.Dropped
			}
			if flush == nil {
				flush = time.After(max(0, traceInterval-time.Since(lastTrace)))
			}
		case <-flush:
			flush = nil
			select {
			case n := <-sub.dropped:
				pending.Dropped += n
			default:
			}
			lastTrace = time.Now()
			m := *pending
			pending = nil
			if !write(m) {
				return
			}
		}
	}
}

// pump forwards an instance's events to the session's subscribers until
// the instance ends, then records why.
func (s *Server) pump(sess *session, in *sandbox.Instance) {
	health := time.NewTicker(time.Second)
	defer health.Stop()
	events := in.Events()
	var lost int64
	var lastHealth proto.Health
	for {
		select {
		case msg, ok := <-events:
			if !ok {
				<-in.Done() // Events closes just before Done; Exited needs Done
				reason := in.Exited()
				s.met.exited(in.ExitKind())
				sess.mu.Lock()
				current := sess.in == in
				sess.mu.Unlock()
				if current {
					s.setState(sess, "exited", reason)
				}
				return
			}
			switch m := msg.(type) {
			case *proto.TraceBatch:
				n := in.Dropped()
				s.met.traceStreamed.Add(float64(len(m.Events)))
				if d := m.Dropped + n - lost; d > 0 {
					s.met.traceDropInst.Add(float64(d))
				}
				sess.broadcast(wsMessage{T: "trace", Events: m.Events, Dropped: m.Dropped + n - lost})
				sess.trace.add(m.Events, m.Dropped+n-lost, time.Now())
				lost = n
			case *proto.LogLine:
				level := m.Level
				sess.broadcast(wsMessage{T: "log", Level: &level, Line: m.Line})
			case *proto.AccessLog:
				sess.broadcast(wsMessage{T: "access", Access: m.Lines, Dropped: m.Dropped})
			default:
				s.instanceMessage(sess, msg)
			}
		case <-health.C:
			// Only a change is sent: an idle instance's figures stay the
			// same for minutes, and 60 pages each woken every second
			// were a fifth of an idle lab's CPU. A new page has the
			// figures in its "hello".
			if h := in.Health(); h != lastHealth {
				lastHealth = h
				sess.broadcast(wsMessage{T: "health", Health: &h})
			}
		}
	}
}
