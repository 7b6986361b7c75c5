package web

import (
	"github.com/restylab/restylab/sandbox"
)

// command runs a browser's step-mode command on the instance.
func (s *Server) command(sess *session, in *sandbox.Instance, cmd wsCommand) {
	// Wired to Instance.Pause/Step/Resume once the sandbox has them.
	_ = sess
	_ = in
	_ = cmd
}

// instanceMessage handles the instance's other messages (step-mode state).
func (s *Server) instanceMessage(sess *session, msg any) {
	_ = sess
	_ = msg
}
