package lessons

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// assertion is one expectation of a check.
type assertion interface {
	// check returns nil when o satisfies it, else what went wrong: one
	// sentence (without the final period) with the expected and the actual
	// value, in both languages.
	check(o *outcome) *Text
}

// response is what one request of a check got back.
type response struct {
	status int
	header http.Header
	body   string
	// cert is the subject CN of the certificate a TLS request was served.
	cert string
}

// outcome is everything a check observed.
type outcome struct {
	req       *request
	responses []response
	win       Window
	workers   int
	tr        *traceView // built on first use
}

// tr formats the same arguments into an English and a Chinese sentence.
func tr(en, zh string, args ...any) *Text {
	return &Text{En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// show quotes s for a message, cut to a readable length.
func show(s string) string {
	const max = 120
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// eachResponse applies one response's test to every response; for a burst
// the message says how many failed and shows the first.
func eachResponse(o *outcome, test func(response) *Text) *Text {
	var first *Text
	bad := 0
	for _, r := range o.responses {
		if m := test(r); m != nil {
			if first == nil {
				first = m
			}
			bad++
		}
	}
	if first == nil || len(o.responses) == 1 {
		return first
	}
	n := len(o.responses)
	return &Text{
		En: fmt.Sprintf("%d of %d responses failed, the first: %s", bad, n, first.En),
		Zh: fmt.Sprintf("%d 个响应中有 %d 个不符合，第一个：%s", n, bad, first.Zh),
	}
}

// statusIs is "--- error_code".
type statusIs struct{ code int }

func (a statusIs) check(o *outcome) *Text {
	return eachResponse(o, func(r response) *Text {
		if r.status == a.code {
			return nil
		}
		return tr("expected status %d, got %d", "期望状态码 %d，实际为 %d", a.code, r.status)
	})
}

// bodyIs is "--- response_body".
type bodyIs struct{ want string }

func (a bodyIs) check(o *outcome) *Text {
	return eachResponse(o, func(r response) *Text {
		if r.body == a.want {
			return nil
		}
		return tr("expected the body %s, got %s", "期望响应体为 %s，实际为 %s", show(a.want), show(r.body))
	})
}

// bodyLike is "--- response_body_like".
type bodyLike struct{ re *regexp.Regexp }

func (a bodyLike) check(o *outcome) *Text {
	return eachResponse(o, func(r response) *Text {
		if a.re.MatchString(r.body) {
			return nil
		}
		return tr("expected a body matching /%s/, got %s", "期望响应体匹配 /%s/，实际为 %s", a.re, show(r.body))
	})
}

// headerIs is one line of "--- response_headers".
type headerIs struct {
	name, value string
	absent      bool
}

func (a headerIs) check(o *outcome) *Text {
	return eachResponse(o, func(r response) *Text {
		got, present := r.header[http.CanonicalHeaderKey(a.name)]
		switch {
		case a.absent && present:
			return tr("expected no %s header, got %s", "期望没有 %s 响应头，实际为 %s", a.name, show(strings.Join(got, ", ")))
		case a.absent:
			return nil
		case !present:
			return tr("expected the header %s: %s, got no %s header", "期望响应头 %s: %s，实际没有 %s 响应头", a.name, a.value, a.name)
		case strings.Join(got, ", ") != a.value:
			return tr("expected the header %s: %s, got %s", "期望响应头 %s: %s，实际为 %s", a.name, a.value, show(strings.Join(got, ", ")))
		}
		return nil
	})
}

// logHas is one line of "--- error_log" (want) or "--- no_error_log".
type logHas struct {
	text string
	want bool
}

func (a logHas) check(o *outcome) *Text {
	if o.win.LogDropped > 0 {
		return tr("%d error_log lines were lost while the check ran, so the log cannot be checked: run the check again",
			"检查期间丢失了 %d 行 error_log，无法检查日志：请再运行一次", o.win.LogDropped)
	}
	for _, ln := range o.win.ErrorLog {
		if strings.Contains(ln, a.text) {
			if a.want {
				return nil
			}
			return tr("expected no error_log line containing %s, got %s", "期望 error_log 中没有包含 %s 的行，实际有 %s", show(a.text), show(ln))
		}
	}
	if !a.want {
		return nil
	}
	return tr("expected an error_log line containing %s, got none among %d lines", "期望 error_log 中有包含 %s 的行，实际 %d 行中都没有", show(a.text), len(o.win.ErrorLog))
}

// bodiesAre is "--- response_bodies: distinct" (no two responses of the
// check have the same body: a counter that goes on counting) or "same"
// (every response has the first one's body: state that starts afresh).
type bodiesAre struct{ distinct bool }

func (a bodiesAre) check(o *outcome) *Text {
	if len(o.responses) < 2 {
		return tr("expected at least 2 responses to compare, got %d", "期望至少有 2 个响应可以比较，实际只有 %d 个", len(o.responses))
	}
	first := map[string]int{}
	for i, r := range o.responses {
		j, seen := first[r.body]
		switch {
		case a.distinct && seen:
			return tr("expected a different body in every response, responses %d and %d both had %s",
				"期望每个响应的响应体都不同，第 %d 个和第 %d 个响应都是 %s", j+1, i+1, show(r.body))
		case !a.distinct && i > 0 && r.body != o.responses[0].body:
			return tr("expected the same body in every response, response 1 had %s and response %d had %s",
				"期望每个响应的响应体都相同，第 1 个响应是 %s，第 %d 个是 %s", show(o.responses[0].body), i+1, show(r.body))
		}
		if !seen {
			first[r.body] = i
		}
	}
	return nil
}

// certIs is "--- tls_cert: NAME": every TLS response came with the
// certificate of that name.
type certIs struct{ name string }

func (a certIs) check(o *outcome) *Text {
	if o.req == nil || o.req.sni == "" {
		return tr("--- tls_cert needs a request over TLS (--- sni)", "--- tls_cert 需要一个 TLS 请求（--- sni）")
	}
	return eachResponse(o, func(r response) *Text {
		if r.cert != a.name {
			return tr("expected the certificate of %s, the server sent the one of %s", "期望 %s 的证书，服务器发来的是 %s 的证书", a.name, show(r.cert))
		}
		return nil
	})
}
