// Package http1 is the HTTP/1.x wire format of the nginx emulator: it parses
// request heads and request bodies from bytes that arrive in arbitrary
// pieces, and writes status lines, dates, chunks and nginx's error pages.
//
// # Concurrency
//
// Nothing here blocks, starts goroutines or keeps global mutable state. A
// Request and a BodyDecoder belong to one worker loop; the functions are safe
// from any goroutine.
//
// # Feeding
//
// The engine keeps the bytes read so far and calls ParseRequest on them after
// each read: it returns (nil, 0, nil) until the head is complete, and an
// *Error as soon as the bytes already seen are ones nginx refuses, so splitting
// a request anywhere gives the same result as sending it whole. Then a
// BodyDecoder takes the bytes from n on.
//
// # What nginx 1.22.1 does (observed on the real server, raw requests)
//
// Request line: leading CR/LF lines are skipped; the method is [A-Z_-]+
// ("get", "G1" give 400 "client sent invalid method"); parts are separated by
// one or more spaces (a tab is an error), trailing spaces are allowed; CRLF
// or a bare LF ends every line, a CR not followed by LF is an error. The
// target is an origin path or an absolute URI with any scheme
// ("GET http://Host:81/p" takes its host over the Host header, which must
// still be present on HTTP/1.1); "*", authority form and userinfo give 400.
// Control bytes and DEL anywhere in the target give 400; bytes >= 0x80 are
// allowed; '#' starts a fragment that is dropped. Versions: "HTTP/" in upper
// case, major 1 (2..N give 505 "client sent invalid version"), minor up to
// 999 (HTTP/1.2 is served as 1.1); no version at all is HTTP/0.9, accepted for
// GET only, answered with a bare body without status line or headers.
//
// Request line too long (> 8k, large_client_header_buffers) gives 414
// "client sent too long URI"; a header line too long, or headers that do not
// fit the four 8k buffers, 494 (sent as 400 "Request Header Or Cookie Too
// Large"). nginx moves a line that crosses a buffer end whole into the next
// buffer, so the budget depends on line lengths; the parser simulates that
// (with a first 1k buffer, client_header_buffer_size). It assumes each
// request starts in a fresh buffer, which is not true of pipelined requests.
//
// $uri: %XX decoded once (bad escapes and %00 give 400), "//" merged, "." and
// ".." resolved after decoding ("%2e%2e", "%2F" count), ".." above the root
// gives 400. "+" stays "+".
//
// Headers: a name with a space, control byte, DEL, or a leading ':' gives 400
// "client sent invalid header line: "X\x20..."". A name with other non-token
// bytes ('@', '.', ';', '_' unless underscores_in_headers, >= 0x80) is
// ignored and logged at info. Leading whitespace (obsolete line folding)
// gives 400. Only spaces around a value are trimmed, tabs are kept; NUL in a
// value gives 400, other control bytes are kept. A line without ':' is a
// header with an empty value. Host is validated (no "..", '/', spaces or
// control bytes, not empty), lowercased, port and trailing dot removed; Host,
// Content-Length, Transfer-Encoding, Expect, If-Modified-Since,
// If-Unmodified-Since, If-Match, If-None-Match, If-Range, Content-Range and
// Authorization may appear once (400 "client sent duplicate header line").
// Content-Length must be decimal digits (spaces trimmed) without sign or
// overflow. Transfer-Encoding must be exactly "chunked" (any case), else 501;
// with Content-Length, or on HTTP/1.0, it is 400. CONNECT and TRACE give 405.
// Connection: a value containing "close" (anywhere, any case) closes, else one
// containing "keep-alive" keeps; the last such header wins.
//
// Chunked bodies: hex sizes with leading zeros; after the size ';', space or
// tab start an extension that runs to the line end; trailers are skipped
// unchecked; each chunk is checked against client_max_body_size as soon as
// its size line ends (413 "client intended to send too large chunked body:
// received+size bytes").
//
// Responses: nginx's status line always says HTTP/1.1. Codes without a reason
// phrase (299, 418, 100, ...) are sent as "HTTP/1.1 299 " for return,
// ngx.exit and ngx.status alike. Built-in error pages are text/html; codes
// without a page get "Content-Length: 0" and no Content-Type. ngx.exit(408),
// return 408, 444 and 499 close the connection without a response.
package http1
