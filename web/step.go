package web

import (
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/sandbox/proto"
)

// maxStep caps the dispatches one step command lets through.
const maxStep = 1000

// command runs a browser's step-mode command on the instance; the child
// answers with a State message that reaches every tab of the session.
func (s *Server) command(sess *session, in *sandbox.Instance, cmd wsCommand) {
	var err error
	switch cmd.T {
	case "pause":
		err = in.Pause()
	case "step":
		err = in.Step(min(max(cmd.N, 1), maxStep))
	case "resume":
		err = in.Resume()
	default:
		return
	}
	if err != nil {
		s.log.Warn("step mode command", "session", logID(sess.id), "command", cmd.T, "err", err)
	}
}

// instanceMessage handles the instance's other messages: step-mode state.
func (s *Server) instanceMessage(sess *session, msg any) {
	st, ok := msg.(*proto.State)
	if !ok {
		return
	}
	state := "running"
	if st.Paused {
		state = "paused"
	}
	sess.mu.Lock()
	sess.state = state
	sess.mu.Unlock()
	pending := st.Pending
	if st.Paused && pending == nil {
		pending = []string{}
	}
	sess.broadcast(wsMessage{T: "state", State: state, Paused: st.Paused, Pending: pending})
}
