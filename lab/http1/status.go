package http1

import "strconv"

// statusText is nginx 1.22's status-line table, read off the real server by
// sending ngx.status = N for every N in 100..599 (see doc.go). Codes missing
// here are sent as "HTTP/1.1 N " with nothing after the space.
var statusText = map[int]string{
	101: "Switching Protocols",
	200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
	301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other", 304: "Not Modified",
	307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Not Allowed", 406: "Not Acceptable", 408: "Request Time-out",
	409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed",
	413: "Request Entity Too Large", 414: "Request-URI Too Large", 415: "Unsupported Media Type",
	416: "Requested Range Not Satisfiable", 421: "Misdirected Request", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Temporarily Unavailable", 504: "Gateway Time-out", 505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
}

// statusLines11 are the status lines of codes 100..599 for HTTP/1.1, made
// once: AppendStatusLine copies one instead of formatting it per response.
var statusLines11 = func() (lines [600]string) {
	for code := 100; code < len(lines); code++ {
		lines[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + statusText[code] + "\r\n"
	}
	return lines
}()

// StatusText returns nginx's reason phrase for code, or "" when nginx has
// none (it then sends "HTTP/1.1 299 ", as for return 299, ngx.exit(299) and
// ngx.status = 299 alike).
func StatusText(code int) string { return statusText[code] }

// AppendStatusLine appends "HTTP/major.minor code reason\r\n" to dst. nginx
// answers "HTTP/1.1" whatever the request's version.
func AppendStatusLine(dst []byte, major, minor, code int) []byte {
	if major == 1 && minor == 1 && code >= 100 && code < len(statusLines11) {
		return append(dst, statusLines11[code]...)
	}
	dst = append(dst, "HTTP/"...)
	dst = strconv.AppendInt(dst, int64(major), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(minor), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText[code]...)
	return append(dst, "\r\n"...)
}

// pageTitle is the title of nginx's built-in error pages; it differs from the
// status line for 302 ("Found") and 401 ("Authorization Required").
var pageTitle = map[int]string{
	301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Authorization Required", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
	411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
	414: "Request-URI Too Large", 415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
	421: "Misdirected Request", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Temporarily Unavailable", 504: "Gateway Time-out", 505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
}

// badRequestDetail is the extra line of nginx's 400 pages for its internal
// codes 494..497.
var badRequestDetail = map[int]string{
	494: "Request Header Or Cookie Too Large",
	495: "The SSL certificate error",
	496: "No required SSL certificate was sent",
	497: "The plain HTTP request was sent to HTTPS port",
}

const pageTail = "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"

// ErrorPage returns the body nginx 1.22.1 sends with its built-in page for
// code (sent as Content-Type: text/html, with Location for 3xx), or nil when
// nginx sends no body: 1xx/2xx and codes without a page (e.g. 418, 300,
// 407) get "Content-Length: 0"; 408, 444 and 499 close the connection
// without a response. MSIE padding (msie_padding) is not added.
func ErrorPage(code int) []byte {
	if d, ok := badRequestDetail[code]; ok {
		return []byte("<html>\r\n<head><title>400 " + d + "</title></head>\r\n<body>\r\n" +
			"<center><h1>400 Bad Request</h1></center>\r\n<center>" + d + "</center>\r\n" + pageTail)
	}
	t, ok := pageTitle[code]
	if !ok {
		return nil
	}
	t = strconv.Itoa(code) + " " + t
	return []byte("<html>\r\n<head><title>" + t + "</title></head>\r\n<body>\r\n<center><h1>" + t + "</h1></center>\r\n" + pageTail)
}

// ErrorPageStatus returns the status nginx puts on the wire with the error
// page for code: 400 for its internal codes 494..497, code otherwise.
func ErrorPageStatus(code int) int {
	if _, ok := badRequestDetail[code]; ok {
		return 400
	}
	return code
}
