package trace

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends ev as one JSON object (no newline) to dst. ts, kind and
// worker are always present; the other fields only when non-zero. Field names
// are those of docs/trace.md. It uses no reflection.
func AppendJSON(dst []byte, ev Event) []byte {
	dst = append(dst, `{"ts":`...)
	dst = strconv.AppendInt(dst, ev.TS, 10)
	dst = append(dst, `,"kind":"`...)
	dst = append(dst, ev.Kind.String()...)
	dst = append(dst, `","worker":`...)
	dst = strconv.AppendInt(dst, int64(ev.Worker), 10)
	dst = appendInt(dst, `,"gen":`, int64(ev.Gen))
	dst = appendInt(dst, `,"fd":`, int64(ev.FD))
	dst = appendInt(dst, `,"req":`, ev.Req)
	dst = appendInt(dst, `,"co":`, ev.Co)
	dst = appendString(dst, `,"phase":`, ev.Phase)
	dst = appendString(dst, `,"source":`, ev.Source)
	dst = appendInt(dst, `,"line":`, int64(ev.Line))
	dst = appendInt(dst, `,"arg":`, ev.Arg)
	dst = appendInt(dst, `,"arg2":`, ev.Arg2)
	dst = appendString(dst, `,"detail":`, ev.Detail)
	return append(dst, '}')
}

func appendInt(dst []byte, name string, v int64) []byte {
	if v == 0 {
		return dst
	}
	return strconv.AppendInt(append(dst, name...), v, 10)
}

func appendString(dst []byte, name, s string) []byte {
	if s == "" {
		return dst
	}
	return appendQuoted(append(dst, name...), s)
}

const hexDigits = "0123456789abcdef"

// appendQuoted writes s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028/U+2029
// escaped so the line is also safe inside a <script>.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
