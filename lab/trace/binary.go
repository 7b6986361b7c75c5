package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The binary form of an event, for the sandbox's recordings (a window of
// every event the parent measures, never shown as is): the kind byte, then
// TS, Worker, Gen, FD, Req, Co, Line, Arg, Arg2 as zig-zag varints, then
// Phase, Source and Detail, each a uvarint length and its bytes. Reading it
// back is a few loads per field where JSON takes a parse per event.

// AppendBinary appends ev's binary form to dst.
func AppendBinary(dst []byte, ev Event) []byte {
	dst = append(dst, byte(ev.Kind))
	dst = binary.AppendVarint(dst, ev.TS)
	dst = binary.AppendVarint(dst, int64(ev.Worker))
	dst = binary.AppendVarint(dst, int64(ev.Gen))
	dst = binary.AppendVarint(dst, int64(ev.FD))
	dst = binary.AppendVarint(dst, ev.Req)
	dst = binary.AppendVarint(dst, ev.Co)
	dst = binary.AppendVarint(dst, int64(ev.Line))
	dst = binary.AppendVarint(dst, ev.Arg)
	dst = binary.AppendVarint(dst, ev.Arg2)
	for _, s := range [...]string{ev.Phase, ev.Source, ev.Detail} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// binaryEventGuess is about the size of a short event's binary form.
const binaryEventGuess = 16

var errShortBinary = errors.New("trace: binary event cut short")

// BinaryReader reads events AppendBinary wrote, back to back. It shares
// the strings that repeat (phases, sources: a handful per workspace)
// instead of allocating each again.
type BinaryReader struct {
	names map[string]string
}

// Read decodes the event at the start of src and returns it with the
// bytes it took.
func (r *BinaryReader) Read(src []byte) (Event, int, error) {
	var ev Event
	if len(src) == 0 {
		return ev, 0, errShortBinary
	}
	ev.Kind = Kind(src[0])
	if ev.Kind.String() == "unknown" {
		return ev, 0, fmt.Errorf("trace: binary event of unknown kind %d", src[0])
	}
	off := 1
	var ints [9]int64
	for i := range ints {
		v, n := binary.Varint(src[off:])
		if n <= 0 {
			return ev, 0, errShortBinary
		}
		ints[i] = v
		off += n
	}
	ev.TS, ev.Worker, ev.Gen, ev.FD = ints[0], int32(ints[1]), int32(ints[2]), int32(ints[3])
	ev.Req, ev.Co, ev.Line, ev.Arg, ev.Arg2 = ints[4], ints[5], int32(ints[6]), ints[7], ints[8]
	var strs [3]string
	for i := range strs {
		l, n := binary.Uvarint(src[off:])
		if n <= 0 || l > uint64(len(src)-off-n) {
			return ev, 0, errShortBinary
		}
		off += n
		b := src[off : off+int(l)]
		off += int(l)
		if i < 2 { // Phase, Source repeat
			strs[i] = r.name(b)
		} else {
			strs[i] = string(b)
		}
	}
	ev.Phase, ev.Source, ev.Detail = strs[0], strs[1], strs[2]
	return ev, off, nil
}

// name returns b as a string shared with its earlier occurrences.
func (r *BinaryReader) name(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := r.names[string(b)]; ok { // no allocation for the lookup
		return s
	}
	if r.names == nil {
		r.names = map[string]string{}
	}
	s := string(b)
	if len(r.names) < 4096 {
		r.names[s] = s
	}
	return s
}

// ReadAll appends to dst every event of src, which holds events back to
// back.
func (r *BinaryReader) ReadAll(dst []Event, src []byte) ([]Event, error) {
	dst = slices.Grow(dst, len(src)/binaryEventGuess) // one allocation, not a doubling per few thousand events
	for len(src) > 0 {
		ev, n, err := r.Read(src)
		if err != nil {
			return dst, err
		}
		dst = append(dst, ev)
		src = src[n:]
	}
	return dst, nil
}
