package http1

import (
	"strconv"
	"time"
)

// AppendHTTPDate appends t in the Date header's format (RFC 1123 in GMT),
// e.g. "Fri, 27 Nov 2026 03:40:44 GMT".
func AppendHTTPDate(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, "Mon, 02 Jan 2006 15:04:05 GMT")
}

// AppendChunk appends data as one chunk of a chunked body: the size in lower
// case hex, CRLF, data, CRLF (nginx's chunked filter writes the size this way).
// Empty data appends nothing, since a zero-size chunk would end the body.
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = strconv.AppendInt(dst, int64(len(data)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the chunk that ends a chunked body, "0\r\n\r\n".
func AppendLastChunk(dst []byte) []byte {
	return append(dst, "0\r\n\r\n"...)
}
