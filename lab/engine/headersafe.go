package engine

import (
	"fmt"
	"strings"

	"github.com/restylab/restylab/lab/lualib"
)

// What ngx_lua 0.10.23 does with bytes that would break an HTTP header
// (CR, LF and the other control bytes), as observed on nginx 1.22 with
// every byte from 0 to 255:
//   - response headers set through ngx.header and request headers set
//     through ngx.req.set_header are %XX-escaped, never refused: in a value
//     the control bytes but the tab, and DEL; in a name also the space, the
//     HTTP separators and every byte from 0x7F up;
//   - ngx.redirect and ngx.req.set_uri refuse a URI with such a byte (the
//     value's set) with "unsafe byte ...";
//   - ngx.req.set_uri_args escapes, in a string, the control bytes, the
//     space and DEL.
// So a learner's CR/LF never ends a header line on the wire.

// unsafeValueByte reports the bytes ngx_lua escapes in a header value and
// refuses in a redirect or set_uri URI.
func unsafeValueByte(c byte) bool {
	return c < 0x20 && c != '\t' || c == 0x7f
}

// unsafeNameByte reports the bytes ngx_lua escapes in a header name.
func unsafeNameByte(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return true
	}
	return strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0
}

// unsafeArgsByte reports the bytes ngx.req.set_uri_args escapes in a string.
func unsafeArgsByte(c byte) bool {
	return c <= 0x20 || c == 0x7f
}

// escapeHeaderName is a header name as ngx_lua sends it.
func escapeHeaderName(s string) string { return lualib.EscapeBytes(s, unsafeNameByte) }

// escapeHeaderValue is a header value as ngx_lua sends it.
func escapeHeaderValue(s string) string { return lualib.EscapeBytes(s, unsafeValueByte) }

// escapeHeaderValues escapes each value (nil stays nil).
func escapeHeaderValues(vals []string) []string {
	for i, v := range vals {
		vals[i] = escapeHeaderValue(v)
	}
	return vals
}

// unsafeURIError is ngx_lua's refusal of a URI with an unsafe byte, or ""
// when there is none: `unsafe byte "0x0d" in <what> "/x\x0D\x0A"` (the URI
// with its control bytes written \xHH).
func unsafeURIError(uri, what string) string {
	for i := 0; i < len(uri); i++ {
		if unsafeValueByte(uri[i]) {
			return fmt.Sprintf("unsafe byte \"0x%02x\" in %s \"%s\"", uri[i], what, quoteControl(uri))
		}
	}
	return ""
}

// quoteControl writes the control bytes of s as \xHH (upper-case hex).
func quoteControl(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "\\x%02X", c)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
