package http1

import (
	"bytes"
	"fmt"
)

// hdrLine holds offsets into one header line.
type hdrLine struct {
	nameEnd          int
	valStart, valEnd int
	invalid          bool // a name nginx ignores (ignore_invalid_headers on)
	empty            bool // the empty line that ends the head
}

func isNameChar(c byte, underscores bool) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || (c == '_' && underscores)
}

func badHeaderLine(b []byte, i int) *Error {
	return &Error{Status: 400, Reason: fmt.Sprintf(`client sent invalid header line: "%s\x%02x..."`, b[:i], b[i]) + whileHeaders}
}

// scanHeaderLine parses one header line (or the final empty line) in b with
// nginx 1.22's rules: CRLF or bare LF endings; a space, control byte or ':' in
// a name is an error, other non-token bytes make the line ignored; only
// spaces around the value are trimmed; NUL in a value is an error.
func scanHeaderLine(b []byte, underscores bool, h *hdrLine) (int, error) {
	*h = hdrLine{}
	n := len(b)
	if n == 0 {
		return 0, errIncomplete
	}
	i := 0
	switch c := b[0]; {
	case c == '\r' || c == '\n':
		h.empty = true
		if c == '\n' {
			return 1, nil
		}
		if n == 1 {
			return 0, errIncomplete
		}
		if b[1] != '\n' {
			return 0, badHeaderLine(b, 0)
		}
		return 2, nil
	case c <= 0x20 || c == 0x7f || c == ':':
		return 0, badHeaderLine(b, 0)
	}
	for ; i < n; i++ {
		c := b[i]
		if c == ':' || c == '\r' || c == '\n' {
			break
		}
		if c <= 0x20 || c == 0x7f {
			return 0, badHeaderLine(b, i)
		}
		if !isNameChar(c, underscores) {
			h.invalid = true
		}
	}
	if i == n {
		return 0, errIncomplete
	}
	h.nameEnd = i
	if b[i] == ':' {
		i++
		for ; i < n && b[i] == ' '; i++ {
		}
	}
	h.valStart = i
	// The value runs to the first CR or LF; bytes.IndexByte keeps this fast.
	line := b[i:]
	lf := bytes.IndexByte(line, '\n')
	if lf >= 0 {
		line = line[:lf]
	}
	v := line
	cr := bytes.IndexByte(line, '\r')
	if cr >= 0 {
		v = line[:cr]
	}
	if z := bytes.IndexByte(v, 0); z >= 0 {
		return 0, badHeaderLine(b, i+z)
	}
	if cr >= 0 {
		for _, c := range line[cr+1:] { // after CR: more CRs are tolerated, then LF
			if c != '\r' {
				return 0, badHeaderLine(b, i+cr) // nginx points at the CR
			}
		}
	}
	if lf < 0 {
		return 0, errIncomplete
	}
	h.valEnd = i + len(bytes.TrimRight(v, " "))
	if h.valEnd < h.valStart {
		h.valEnd = h.valStart
	}
	return i + lf + 1, nil
}
