package http1

import (
	"bytes"
	"errors"
)

// ErrInvalidURI is returned by NormalizeURI for a bad %-escape, an escaped
// NUL, or a ".." that climbs above the root: nginx answers 400 to these.
var ErrInvalidURI = errors.New("http1: invalid URI")

// NormalizeURI turns a raw path into nginx's $uri: %XX sequences are decoded
// (once: "%252e" gives "%2e"), then runs of '/' are merged and "." and ".."
// segments resolved, decoded '/' and '.' included ("/a%2F..%2fb" gives "/b").
// A trailing "." or ".." leaves a trailing '/'. '+' is not a space and '?'
// or '#' in raw are taken literally (split the query off first).
func NormalizeURI(raw string) (string, error) {
	s, same, err := normalizeBytes([]byte(raw))
	if same {
		return raw, err
	}
	return s, err
}

// normalizeBytes is NormalizeURI; same reports that the result equals raw (s
// is then empty), which saves a copy in the common case.
func normalizeBytes(raw []byte) (s string, same bool, err error) {
	if bytes.IndexByte(raw, '%') < 0 && !bytes.Contains(raw, []byte("/.")) && !bytes.Contains(raw, []byte("//")) {
		return "", true, nil
	}
	d := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) {
				return "", false, ErrInvalidURI
			}
			h, ok1 := unhex(raw[i+1])
			l, ok2 := unhex(raw[i+2])
			if !ok1 || !ok2 || h<<4|l == 0 {
				return "", false, ErrInvalidURI
			}
			c = h<<4 | l
			i += 2
		}
		d = append(d, c)
	}
	res, err := resolveDots(d)
	if err != nil {
		return "", false, err
	}
	return string(res), false, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// resolveDots merges slashes and resolves "." and ".." segments of d.
func resolveDots(d []byte) ([]byte, error) {
	res := make([]byte, 0, len(d))
	lead := len(d) > 0 && d[0] == '/'
	i := 0
	if lead {
		res = append(res, '/')
		i = 1
	}
	for i <= len(d) {
		j := bytes.IndexByte(d[i:], '/')
		if j < 0 {
			j = len(d)
		} else {
			j += i
		}
		seg, last := d[i:j], j == len(d)
		switch string(seg) {
		case "", ".":
		case "..":
			if len(res) == 0 || lead && len(res) == 1 {
				return nil, ErrInvalidURI
			}
			res = res[:bytes.LastIndexByte(res[:len(res)-1], '/')+1]
		default:
			res = append(res, seg...)
			if !last {
				res = append(res, '/')
			}
		}
		i = j + 1
	}
	return res, nil
}
