// Package proto is the wire protocol between the lab's web process (the
// parent, sandbox.Manager) and one sandboxed server instance (the child,
// `restylab sandbox`), carried over the child's standard input (parent to
// child) and standard output (child to parent).
//
// # Frames
//
// Every message is one frame:
//
//	+-----------------------+--------+---------------------+
//	| length: uint32 BE (4) | type(1)| body: JSON (len-1)  |
//	+-----------------------+--------+---------------------+
//
// length counts the type byte and the body, so it is at least 1 and at most
// MaxFrameSize. The body is the JSON encoding of the Go struct of that type
// (an empty body is allowed and means the zero value). A reader rejects a
// longer frame without reading its body and returns ErrFrameTooLarge; a
// stream that ends inside a frame gives io.ErrUnexpectedEOF; a stream that
// ends between frames gives io.EOF.
//
// # Concurrency
//
// A Writer is safe for concurrent use (one frame is written under a lock);
// a Reader is not: one goroutine reads a stream.
package proto

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// MaxFrameSize bounds one frame (type byte + body): a workspace of a few
// Lua files fits easily, a runaway peer cannot make the other side allocate
// without bound.
const MaxFrameSize = 8 << 20

// Type identifies a message. The numbers are part of the protocol: never
// renumber one.
type Type uint8

// Parent to child.
const (
	TypeLoad     Type = 1 // Load: first message, the workspace and the port
	TypeReload   Type = 2 // Reload: a new workspace, served after the old engine quit gracefully
	TypeStop     Type = 3 // Stop: quit gracefully and exit
	TypeSetTrace Type = 4 // SetTrace: start or stop streaming trace batches
	TypePause    Type = 5 // Pause: stop the event loops before their next dispatch
	TypeStep     Type = 6 // Step: let N more dispatches through each paused loop
	TypeResume   Type = 7 // Resume: let the event loops run freely again
	TypeRecord   Type = 8 // Record: start or stop recording the trace of a window
)

// Child to parent.
const (
	TypeReady     Type = 64 // Ready: the workspace is served (answer to Load or Reload)
	TypeLoadError Type = 65 // LoadError: the workspace was refused (answer to Load or Reload)
	// 66 was TraceBatch (trace events as a JSON array): retired for TraceMessage.
	TypeLogLine      Type = 67 // LogLine: one error_log line, lossy
	TypeHealth       Type = 68 // Health: periodic resource usage
	TypeExit         Type = 69 // Exit: the child is about to exit, and why
	TypeState        Type = 70 // State: whether the loops are paused and what they would dispatch next
	TypeRecorded     Type = 71 // Recorded: a recording started, or its events (answer to Record)
	TypeAccessLog    Type = 72 // AccessLog: access log lines as they reach a file, lossy
	TypeTraceMessage Type = 73 // TraceMessage: one trace message for the browser, lossy; its body is not JSON
)

// Load is the first message: serve the workspace on loopback ports of
// Ports (Port alone from a parent that predates Ports).
type Load struct {
	// Conf is the text of nginx.conf.
	Conf string `json:"conf"`
	// Files are the other workspace files (Lua modules, includes) by
	// slash-separated path relative to the directory of nginx.conf.
	Files map[string]string `json:"files,omitempty"`
	// Port is the first port of Ports: where a workspace of one address
	// is served. A parent that sends no Ports serves one address on Port.
	Port int `json:"port"`
	// Ports are the loopback ports the parent set aside for the instance,
	// Port first: each distinct listen address of nginx.conf is served on
	// one of them (an address kept across reloads keeps its port), so
	// len(Ports) is the most addresses a workspace may declare.
	Ports []int `json:"ports,omitempty"`
	// LabFiles are files the lab gives every workspace (the lab's
	// certificates, certs/NAME.crt): written beside Files on every load and
	// reload, except where the workspace has a file of the same path.
	LabFiles map[string]string `json:"lab_files,omitempty"`
}

// Reload replaces the workspace, as `nginx -s reload` does: a workspace
// that fails to load leaves the old one serving.
type Reload struct {
	Conf  string            `json:"conf"`
	Files map[string]string `json:"files,omitempty"`
}

// Stop asks the child to finish the requests in flight and exit.
type Stop struct{}

// SetTrace turns the trace stream on or off.
type SetTrace struct {
	On bool `json:"on"`
}

// Pause stops every worker's event loop before its next dispatch (a ready
// fd's handler, a timer, a posted event): the step debugger. The child
// answers with State.
type Pause struct{}

// Step lets N more dispatches through each paused worker's loop. The child
// answers with State, and sends another when the loops stop again.
type Step struct {
	N int `json:"n"`
}

// Resume lets the event loops run freely again. The child answers with State.
type Resume struct{}

// State says whether the event loops are paused and, when they are, what
// they would dispatch next, one short line each ("worker 0: fd 9 readable
// (client connection)", "worker 0: timer ngx.sleep 50ms due in 12 ms",
// "worker 0: posted event"). The child sends it after Pause, Step and
// Resume, and again each time a paused loop stops at another dispatch.
type State struct {
	Paused  bool     `json:"paused"`
	Pending []string `json:"pending,omitempty"`
}

// Ready says the workspace is served.
type Ready struct {
	// Port is the lab port of the first address (Addresses[0].Port).
	Port int `json:"port"`
	PID  int `json:"pid"`
	// Warnings are diagnostics that did not stop the load, e.g. a Lua
	// syntax error in a handler ("nginx.conf:12: ...").
	Warnings []string `json:"warnings,omitempty"`
	// Workers is the number of workers serving, after the lab's caps
	// (worker_processes 4 runs as 2 under a limit of 2): what every figure
	// per worker must use, never nginx.conf's own value.
	Workers int `json:"workers"`
	// Limits are the instance's limits (durations in nanoseconds).
	Limits Limits `json:"limits"`
	// SSL: the first address is a "listen ... ssl" one (nginx ORs ssl
	// over every listen of an address): clients speak TLS to Port.
	SSL bool `json:"ssl,omitempty"`
	// Addresses are the distinct listen addresses of nginx.conf in the
	// order they first appear, each with the lab port serving it.
	Addresses []Address `json:"addresses,omitempty"`
}

// Address is one listen address of a served workspace.
type Address struct {
	// Declared is the address as nginx.conf gave it, normalized
	// ("0.0.0.0:80", "127.0.0.1:8080", "[::]:443").
	Declared string `json:"declared"`
	// Port is the loopback port the lab serves it on.
	Port int `json:"port"`
	// SSL: some listen of the address has "ssl": clients speak TLS.
	SSL bool `json:"ssl,omitempty"`
}

// Limits are the resource limits of one child (the flags of `restylab
// sandbox`; 0 leaves a limit unset).
type Limits struct {
	MemoryLimit  int64         `json:"memory_limit"`
	AddressSpace int64         `json:"address_space"`
	OpenFiles    int           `json:"open_files"`
	CPUBudget    time.Duration `json:"cpu_budget"`
	MaxWorkers   int           `json:"max_workers"`
	// Caps over nginx.conf's values, enforced by the engine.
	MaxConnections   int           `json:"max_connections"`
	MaxTimers        int           `json:"max_timers"`
	MaxResponseBytes int64         `json:"max_response_bytes"`
	MaxBodyBytes     int64         `json:"max_body_bytes"`
	MaxClientTimeout time.Duration `json:"max_client_timeout"`
	// MaxTraceRate bounds the trace events streamed per second.
	MaxTraceRate int `json:"max_trace_rate"`
	// Nice is the scheduling priority of every thread (0: unchanged).
	Nice int `json:"nice"`
}

// LoadError says the workspace was refused; the learner reads Message.
type LoadError struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"` // workspace-relative, e.g. "nginx.conf"
	Line    int    `json:"line,omitempty"`
}

// TraceMessage carries one trace.Message: the header the lab reads, then
// the "trace" WebSocket message the browser receives (docs/trace.md, "The
// pipe"). Unlike every other type, its frame body is Data itself, not
// JSON: the lab forwards the bytes without decoding them.
type TraceMessage struct {
	Data []byte
}

// LogLine is one error_log line. Dropped counts lines lost before it.
type LogLine struct {
	Level   int    `json:"level"` // ngx.STDERR (0) .. ngx.DEBUG (8)
	Line    string `json:"line"`
	Dropped int64  `json:"dropped,omitempty"`
}

// AccessLog carries access log lines in the order the engine wrote them
// (the child gathers the writes of a few milliseconds into one frame).
// Dropped counts access log lines lost before these.
type AccessLog struct {
	Lines   []AccessLine `json:"lines"`
	Dropped int64        `json:"dropped,omitempty"`
}

// AccessLine is one access log line without its newline, and the file it
// went to, relative to the instance's prefix and slash-separated
// ("logs/access.log").
type AccessLine struct {
	File string `json:"file"`
	Line string `json:"line"`
}

// Health is the child's resource usage, sent periodically.
type Health struct {
	RSS     int64 `json:"rss"`      // resident set size, bytes
	CPUTime int64 `json:"cpu_time"` // user+system CPU time, nanoseconds
	FDs     int   `json:"fds"`      // open file descriptors
	Conns   int   `json:"conns"`    // open TCP connections (sockets other than listeners)
}

// Record starts (Stop false) or ends (Stop true) recording every trace
// event of the running engine, apart from the lossy stream SetTrace
// controls. The child answers a start with one Recorded{Started} once it
// records, and a stop with the events in one or more Recorded frames, the
// last with More false. ID is the parent's, unique per instance.
type Record struct {
	ID   int64 `json:"id"`
	Stop bool  `json:"stop,omitempty"`
}

// Recorded answers Record. Events holds events in trace.AppendBinary's
// form, back to back, in the order the recording received them; the frame
// carries them raw after its JSON (a 4-byte big-endian length, the JSON of
// the other fields, then the events' bytes: no base64 for the lab to scan
// and decode, a recording being megabytes); Dropped counts events
// the recording lost (its bound, or a ring overrun); Error says why there
// is no recording (nothing is served, too many recordings).
type Recorded struct {
	ID      int64  `json:"id"`
	Started bool   `json:"started,omitempty"`
	Events  []byte `json:"-"`
	Dropped int64  `json:"dropped,omitempty"`
	More    bool   `json:"more,omitempty"`
	Error   string `json:"error,omitempty"`
	// Logs are the error_log lines of the window (in the last frame);
	// LogDropped counts the lines past the recording's bound.
	Logs       []string `json:"logs,omitempty"`
	LogDropped int64    `json:"log_dropped,omitempty"`
}

// Exit is the child's last message: one sentence for the learner.
type Exit struct {
	Reason string `json:"reason"`
}

// ErrFrameTooLarge is returned for a frame longer than MaxFrameSize.
var ErrFrameTooLarge = errors.New("proto: frame too large")

// TypeOf returns the Type of a message value (pointer or value).
func TypeOf(msg any) (Type, error) {
	switch msg.(type) {
	case Load, *Load:
		return TypeLoad, nil
	case Reload, *Reload:
		return TypeReload, nil
	case Stop, *Stop:
		return TypeStop, nil
	case SetTrace, *SetTrace:
		return TypeSetTrace, nil
	case Pause, *Pause:
		return TypePause, nil
	case Step, *Step:
		return TypeStep, nil
	case Resume, *Resume:
		return TypeResume, nil
	case Record, *Record:
		return TypeRecord, nil
	case Recorded, *Recorded:
		return TypeRecorded, nil
	case State, *State:
		return TypeState, nil
	case Ready, *Ready:
		return TypeReady, nil
	case LoadError, *LoadError:
		return TypeLoadError, nil
	case TraceMessage, *TraceMessage:
		return TypeTraceMessage, nil
	case LogLine, *LogLine:
		return TypeLogLine, nil
	case AccessLog, *AccessLog:
		return TypeAccessLog, nil
	case Health, *Health:
		return TypeHealth, nil
	case Exit, *Exit:
		return TypeExit, nil
	}
	return 0, fmt.Errorf("proto: no message type for %T", msg)
}

// newMessage returns a pointer to a zero message of type t.
func newMessage(t Type) (any, error) {
	switch t {
	case TypeLoad:
		return &Load{}, nil
	case TypeReload:
		return &Reload{}, nil
	case TypeStop:
		return &Stop{}, nil
	case TypeSetTrace:
		return &SetTrace{}, nil
	case TypePause:
		return &Pause{}, nil
	case TypeStep:
		return &Step{}, nil
	case TypeResume:
		return &Resume{}, nil
	case TypeRecord:
		return &Record{}, nil
	case TypeRecorded:
		return &Recorded{}, nil
	case TypeState:
		return &State{}, nil
	case TypeReady:
		return &Ready{}, nil
	case TypeLoadError:
		return &LoadError{}, nil
	case TypeTraceMessage:
		return &TraceMessage{}, nil
	case TypeLogLine:
		return &LogLine{}, nil
	case TypeAccessLog:
		return &AccessLog{}, nil
	case TypeHealth:
		return &Health{}, nil
	case TypeExit:
		return &Exit{}, nil
	}
	return nil, fmt.Errorf("proto: unknown message type %d", t)
}

// Writer writes frames. It is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w. Each frame is one Write call.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write encodes msg (one of this package's message types) as one frame.
func (w *Writer) Write(msg any) error {
	t, err := TypeOf(msg)
	if err != nil {
		return err
	}
	var body []byte
	switch m := msg.(type) {
	case *TraceMessage:
		body = m.Data
	case TraceMessage:
		body = m.Data
	case *Recorded:
		if body, err = m.appendFrame(nil); err != nil {
			return err
		}
	case Recorded:
		if body, err = m.appendFrame(nil); err != nil {
			return err
		}
	default:
		if body, err = json.Marshal(msg); err != nil {
			return fmt.Errorf("proto: encode %T: %w", msg, err)
		}
	}
	if 1+len(body) > MaxFrameSize {
		return fmt.Errorf("proto: encode %T: %d bytes: %w", msg, 1+len(body), ErrFrameTooLarge)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = binary.BigEndian.AppendUint32(w.buf[:0], uint32(1+len(body)))
	w.buf = append(w.buf, byte(t))
	w.buf = append(w.buf, body...)
	if _, err := w.w.Write(w.buf); err != nil {
		return fmt.Errorf("proto: write frame: %w", err)
	}
	if cap(w.buf) > 64<<10 {
		w.buf = nil // do not keep a workspace-sized buffer around
	}
	return nil
}

// Reader reads frames. One goroutine reads a stream.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// Read returns the next message as a pointer to its struct (*Load,
// *Ready, ...). It returns io.EOF at a clean end of stream,
// io.ErrUnexpectedEOF inside a frame, ErrFrameTooLarge for a frame longer
// than MaxFrameSize (the stream is then unusable).
func (r *Reader) Read() (any, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
		return nil, err // io.EOF between frames, io.ErrUnexpectedEOF inside the header
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, errors.New("proto: empty frame (no type byte)")
	}
	if n > MaxFrameSize {
		return nil, fmt.Errorf("proto: %d-byte frame: %w", n, ErrFrameTooLarge)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	buf := r.buf[:n]
	if _, err := io.ReadFull(r.r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	msg, err := newMessage(Type(buf[0]))
	if err != nil {
		return nil, err
	}
	if m, ok := msg.(*TraceMessage); ok {
		m.Data = append([]byte(nil), buf[1:]...) // the buffer is reused
	} else if m, ok := msg.(*Recorded); ok {
		if err := m.readFrame(buf[1:]); err != nil {
			return nil, err
		}
	} else if len(buf) > 1 {
		if err := json.Unmarshal(buf[1:], msg); err != nil {
			return nil, fmt.Errorf("proto: decode type %d: %w", buf[0], err)
		}
	}
	if cap(r.buf) > 64<<10 {
		r.buf = nil
	}
	return msg, nil
}

// appendFrame appends r's frame body: the JSON's length, the JSON, the
// events.
func (r *Recorded) appendFrame(dst []byte) ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("proto: encode Recorded: %w", err)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(js)))
	dst = append(dst, js...)
	return append(dst, r.Events...), nil
}

// readFrame decodes a frame body appendFrame wrote; Events is a copy.
func (r *Recorded) readFrame(b []byte) error {
	if len(b) < 4 || uint64(binary.BigEndian.Uint32(b)) > uint64(len(b)-4) {
		return fmt.Errorf("proto: decode type %d: a %d-byte body shorter than its header", TypeRecorded, len(b))
	}
	n := 4 + int(binary.BigEndian.Uint32(b))
	if err := json.Unmarshal(b[4:n], r); err != nil {
		return fmt.Errorf("proto: decode type %d: %w", TypeRecorded, err)
	}
	if n < len(b) {
		r.Events = append([]byte(nil), b[n:]...) // the buffer is reused
	}
	return nil
}
