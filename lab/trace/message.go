package trace

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"unicode/utf8"
)

// Hop numbers a stage of the trace pipe that may lose events
// (docs/trace.md, "The pipe"). Each has one drop counter.
type Hop int

// The hops, from the worker to the browser.
const (
	HopRing      Hop = iota // the worker's ring: the instance's forwarder fell a whole ring behind
	HopRate                 // the instance's rate limit (--max-trace-rate)
	HopInstance             // the instance's queue to its writer (the parent reads too slowly)
	HopLab                  // the lab's queue from the instance's reader to the session's hub
	HopWebSocket            // a WebSocket's queue from the hub to its writer (the browser reads too slowly)
	NumHops
)

var hopNames = [NumHops]string{"ring", "rate", "instance", "lab", "websocket"}

// String returns the hop's name, as in the "drops" field and /metrics.
func (h Hop) String() string {
	if h >= 0 && h < NumHops {
		return hopNames[h]
	}
	return "hop" + strconv.Itoa(int(h))
}

// A Message is one "trace" message of the web lab's WebSocket as the
// instance encodes it (docs/web.md): a fixed binary header, then the exact
// bytes the browser receives,
//
//	{"t":"trace","dropped":N,"drops":{"ring":N,...},"events":[EVENT,...]}
//
// with each EVENT as AppendJSON writes it. The lab forwards the JSON part
// without decoding it; what it needs to know (how many events, the drops,
// the request ids and times covered) it reads from the header.
//
// Header (HeaderSize bytes, little-endian): magic "RLT1"; events (uint32);
// drops per hop (NumHops x uint32); lowest and highest request id (int64,
// 0 when no event has one); first and last ts (int64).
type Message []byte

// HeaderSize is the length of a Message's header.
const HeaderSize = 4 + 4 + 4*int(NumHops) + 4*8

const messageMagic = "RLT1"

// Header is what a Message says about itself.
type Header struct {
	Events         int             // events in the message ("dropped" marks included)
	Drops          [NumHops]uint32 // events lost at each hop since the previous message
	ReqMin, ReqMax int64           // request ids covered (0: none)
	TSFirst        int64           // ts of the first and last event (0: no events)
	TSLast         int64
}

// Dropped is the sum of Drops: the message's "dropped".
func (h *Header) Dropped() int64 {
	var n int64
	for _, d := range h.Drops {
		n += int64(d)
	}
	return n
}

// Header returns m's header. It checks the magic and the length only:
// CheckMessage checks a message from a peer not trusted further.
func (m Message) Header() (Header, error) {
	var h Header
	if len(m) < HeaderSize || string(m[:4]) != messageMagic {
		return h, fmt.Errorf("trace: message of %d bytes: no header", len(m))
	}
	le := binary.LittleEndian
	h.Events = int(le.Uint32(m[4:]))
	off := 8
	for i := range h.Drops {
		h.Drops[i] = le.Uint32(m[off:])
		off += 4
	}
	h.ReqMin = int64(le.Uint64(m[off:]))
	h.ReqMax = int64(le.Uint64(m[off+8:]))
	h.TSFirst = int64(le.Uint64(m[off+16:]))
	h.TSLast = int64(le.Uint64(m[off+24:]))
	return h, nil
}

// JSON returns the bytes the browser receives.
func (m Message) JSON() []byte {
	if len(m) < HeaderSize {
		return nil
	}
	return m[HeaderSize:]
}

var messagePrefix = []byte(`{"t":"trace",`)

// CheckMessage returns m's header if m is well formed for forwarding: a
// header, then valid UTF-8 (a WebSocket text frame must be) that begins as
// a "trace" message and ends its object. It does not parse the JSON: the
// instance encoded it with AppendJSON, and the browser ignores a message
// it cannot parse.
func CheckMessage(m Message) (Header, error) {
	h, err := m.Header()
	if err != nil {
		return h, err
	}
	js := m.JSON()
	if !bytes.HasPrefix(js, messagePrefix) || js[len(js)-1] != '}' {
		return h, errors.New("trace: message is not a trace object")
	}
	if !utf8.Valid(js) {
		return h, errors.New("trace: message is not UTF-8")
	}
	return h, nil
}

// AppendMessage appends to dst the Message carrying evs, with the drops at
// the hops before it (drops[HopRing] is added to by the Dropped events of
// evs, which stay in the events too).
func AppendMessage(dst []byte, evs []Event, drops [NumHops]int64) Message {
	h := Header{Events: len(evs)}
	for i := range evs {
		ev := &evs[i]
		if ev.Kind == Dropped {
			drops[HopRing] += ev.Arg
		}
		if ev.Req != 0 {
			if h.ReqMin == 0 || ev.Req < h.ReqMin {
				h.ReqMin = ev.Req
			}
			h.ReqMax = max(h.ReqMax, ev.Req)
		}
	}
	if len(evs) > 0 {
		h.TSFirst, h.TSLast = evs[0].TS, evs[len(evs)-1].TS
	}
	for i, d := range drops {
		h.Drops[i] = uint32(min(max(d, 0), 1<<32-1))
	}
	start := len(dst)
	dst = appendHeader(dst, &h)
	dst = appendDrops(append(dst, messagePrefix...), &h)
	dst = append(dst, `"events":[`...)
	for i := range evs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSON(dst, evs[i])
	}
	dst = append(dst, "]}"...)
	return Message(dst[start:len(dst):len(dst)])
}

func appendHeader(dst []byte, h *Header) []byte {
	le := binary.LittleEndian
	dst = append(dst, messageMagic...)
	dst = le.AppendUint32(dst, uint32(h.Events))
	for _, d := range h.Drops {
		dst = le.AppendUint32(dst, d)
	}
	dst = le.AppendUint64(dst, uint64(h.ReqMin))
	dst = le.AppendUint64(dst, uint64(h.ReqMax))
	dst = le.AppendUint64(dst, uint64(h.TSFirst))
	return le.AppendUint64(dst, uint64(h.TSLast))
}

// appendDrops writes "dropped":N,"drops":{...}, (nothing when no drops).
func appendDrops(dst []byte, h *Header) []byte {
	total := h.Dropped()
	if total == 0 {
		return dst
	}
	dst = strconv.AppendInt(append(dst, `"dropped":`...), total, 10)
	dst = append(dst, `,"drops":{`...)
	first := true
	for i, d := range h.Drops {
		if d == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, hopNames[i]...)
		dst = append(dst, `":`...)
		dst = strconv.AppendUint(dst, uint64(d), 10)
	}
	return append(dst, "},"...)
}

// Events decodes the message's events. It is for readers off the hot path
// (tests, the teacher's view): the lab forwards messages without it.
func (m Message) Events() ([]Event, error) {
	var w struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(m.JSON(), &w); err != nil {
		return nil, fmt.Errorf("trace: message: %w", err)
	}
	evs := make([]Event, 0, len(w.Events))
	for _, raw := range w.Events {
		ev, err := ParseJSON(raw)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// DropTally adds up what the messages a queue dropped carried, for the
// drop notice that replaces them: the producer that saw Offer fail adds,
// the consumer takes. It is safe for concurrent use.
type DropTally struct {
	n [NumHops]atomic.Int64
}

// Add counts a message dropped at hop: its events at hop, and the drops
// it carried at theirs.
func (t *DropTally) Add(hop Hop, h Header) {
	for i, d := range h.Drops {
		if d != 0 {
			t.n[i].Add(int64(d))
		}
	}
	if hop >= 0 && hop < NumHops {
		t.n[hop].Add(int64(h.Events))
	}
}

// Take returns the drops added since the last Take, and whether there
// were any.
func (t *DropTally) Take() (drops [NumHops]int64, any bool) {
	for i := range t.n {
		if t.n[i].Load() != 0 {
			drops[i] = t.n[i].Swap(0)
			any = any || drops[i] != 0
		}
	}
	return drops, any
}

// Notice returns a Message without events that carries drops.
func Notice(drops [NumHops]int64) Message { return AppendMessage(nil, nil, drops) }
