package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/sandbox/proto"
)

// wsMessage is one WebSocket message to the browser (docs/web.md); the
// fields used depend on T. Trace messages do not use it: the instance
// encodes them (trace.Message) and the lab forwards their bytes.
type wsMessage struct {
	T        string             `json:"t"`
	Session  string             `json:"session,omitempty"`
	Workers  int                `json:"workers,omitempty"`
	Paused   bool               `json:"paused,omitempty"`
	State    string             `json:"state,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	Pending  []string           `json:"pending,omitempty"`
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
	writeWait = 10 * time.Second
	pingEvery = 30 * time.Second
)

// wsFrame is one text frame queued for a WebSocket: a message encoded once
// for every subscriber of the session.
type wsFrame struct {
	data  []byte
	trace trace.Message // the trace message data comes from (nil for others)
}

// subscriber is one WebSocket connection of a session: the last hop of the
// trace pipe (docs/trace.md). The hub offers frames without blocking; what
// does not fit is dropped, a trace message's events counted.
type subscriber struct {
	q    *trace.Queue[wsFrame]
	lost trace.DropTally    // what the trace messages q dropped carried: the writer's next notice
	met  prometheus.Counter // events this subscriber dropped (nil: not counted)
}

func newSubscriber() *subscriber {
	return &subscriber{q: trace.NewQueue(DefaultSubscriberQueue, frameEvents)}
}

// frameEvents is a frame's weight in its queue's Dropped: a trace
// message's events (log lines and states are lossy too, but not events).
func frameEvents(f wsFrame) int64 {
	if f.trace == nil {
		return 0
	}
	h, _ := f.trace.Header()
	return int64(h.Events)
}

// offer queues f or, for a trace message, tallies what it carried for the
// writer's next drop notice.
func (sub *subscriber) offer(f wsFrame) {
	if sub.q.Offer(f) || f.trace == nil {
		return
	}
	h, _ := f.trace.Header()
	sub.lost.Add(trace.HopWebSocket, h)
	if sub.met != nil {
		sub.met.Add(float64(h.Events))
	}
	sub.q.Wake()
}

// broadcast encodes m once and offers it to every subscriber of the session.
func (sess *session) broadcast(m wsMessage) {
	data, err := json.Marshal(m)
	if err != nil {
		return // a wsMessage always encodes
	}
	sess.offerAll(wsFrame{data: data})
}

// offerAll offers f to every subscriber of the session.
func (sess *session) offerAll(f wsFrame) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	for sub := range sess.subs {
		sub.offer(f)
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
	sub.met = s.met.traceDrop[trace.HopWebSocket]
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

// wsWriter sends the hello, then the subscriber's frames as they come
// (trace messages as the instance encoded them), and a drop notice before
// the next frame when its queue dropped trace messages.
func (s *Server) wsWriter(conn *websocket.Conn, sub *subscriber, hello wsMessage, done <-chan struct{}) {
	defer conn.Close()
	write := func(data []byte) bool {
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WriteMessage(websocket.TextMessage, data) == nil
	}
	conn.SetWriteDeadline(time.Now().Add(writeWait))
	if conn.WriteJSON(hello) != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-ping.C:
			conn.SetWriteDeadline(time.Now().Add(writeWait))
			if conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		case <-sub.q.Ready():
			for {
				if drops, any := sub.lost.Take(); any && !write(trace.Notice(drops).JSON()) {
					return
				}
				f, ok := sub.q.TryTake()
				if !ok {
					break
				}
				if !write(f.data) {
					return
				}
			}
		}
	}
}

// pump forwards an instance's events to the session's subscribers until
// the instance ends, then records why.
func (s *Server) pump(sess *session, in *sandbox.Instance) {
	events := in.Events()
	var lastHealth proto.Health
	for {
		select {
		case msg, ok := <-events:
			if !ok {
				<-in.Done()              // Events closes just before Done; Exited needs Done
				s.forwardTrace(sess, in) // what is left
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
			case *proto.LogLine:
				level := m.Level
				sess.broadcast(wsMessage{T: "log", Level: &level, Line: m.Line})
			case *proto.AccessLog:
				sess.broadcast(wsMessage{T: "access", Access: m.Lines, Dropped: m.Dropped})
			default:
				s.instanceMessage(sess, msg)
			}
		case <-in.Trace().Ready():
			s.forwardTrace(sess, in)
		case <-in.HealthChanged():
			// Woken by the child's reports (every second, every 8 s
			// while it idles), not by a clock of its own; only a change
			// is sent: an idle instance's figures stay the same for
			// minutes, and 60 pages each woken every second were a
			// fifth of an idle lab's CPU. A new page has the figures in
			// its "hello".
			if h := in.Health(); h != lastHealth {
				lastHealth = h
				sess.broadcast(wsMessage{T: "health", Health: &h})
			}
		}
	}
}
