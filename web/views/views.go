// Package views holds the lab's server-rendered pages as templ components:
// the layout, the home page, the playground shell the front end fills in,
// and the read-only share page. Components are pure functions of their
// arguments; handlers in package web gather the data.
package views

import (
	"html/template"

	"github.com/a-h/templ"
)

// Page is what every page's layout needs.
type Page struct {
	Lang  Lang
	Theme string // "light", "dark" or "" (follow the system)
	Title string
	// Path is the request path, for the language switch's return address.
	Path string
	// Embed: the page is inside another site's iframe; its header is one
	// link to the lab.
	Embed bool
	// Base is the path prefix the lab is served under behind a reverse
	// proxy ("/lab"; "" at the host's root): every URL of a page carries
	// it (URL), and the front end reads it from <meta name="restylab-base">.
	Base string
}

// URL is the lab's path p ("/play", "/static/app.js") as the browser must
// ask for it: under the base path.
func (p Page) URL(path string) templ.SafeURL { return templ.SafeURL(p.Base + path) }

// Example is a starter workspace offered on the home page.
type Example struct {
	Name  string // URL name
	Title string
	About string
}

// Boot is the playground's boot data, read by the front end (docs/web.md).
type Boot struct {
	Session   string        `json:"session"`
	Lang      Lang          `json:"lang"`
	Embed     bool          `json:"embed"`
	ReadOnly  bool          `json:"readOnly"`
	Workspace BootWorkspace `json:"workspace"`
	ProxyBase string        `json:"proxyBase"`
	Phases    []string      `json:"phases"`
	// API lists the ngx APIs with the phases ngx_lua allows them in
	// (engine.APIUses): the phase map shows a phase's for the phase in focus.
	API []API `json:"api,omitempty"`
	// Notice is a one-time message for the learner (e.g. where their
	// previous code was kept), with a link; the page shows it above the
	// playground.
	Notice    string `json:"notice,omitempty"`
	NoticeURL string `json:"noticeURL,omitempty"`
	// Previous is the session id the browser brought that this lab does
	// not know (kept in the previous-session cookie, never a session
	// here): the page says so and offers this browser's copy of its code.
	Previous string `json:"previous,omitempty"`
	// Preset fills the request and burst panels for the example just
	// opened (its own path, burst size and concurrency).
	Preset *Preset `json:"preset,omitempty"`
	// Lesson is set on a lesson page: the front end wires its experiments
	// and its "Check my work" button.
	Lesson *BootLesson `json:"lesson,omitempty"`
}

// Preset is an example's request: the path to send, and n requests at
// concurrency c for a burst.
type Preset struct {
	Path string `json:"path"`
	N    int    `json:"n"`
	C    int    `json:"c"`
	// Method and Body, when set, fill the request panel too (GET and no
	// body otherwise).
	Method string `json:"method,omitempty"`
	Body   string `json:"body,omitempty"`
}

// BootWorkspace is the workspace in the boot data.
type BootWorkspace struct {
	Conf    string            `json:"conf"`
	Files   map[string]string `json:"files"`
	Updated int64             `json:"updated"`
}

// SharedFile is one highlighted file of a snapshot.
type SharedFile struct {
	Name string
	HTML template.HTML
}

// Share is the data of the share page.
type Share struct {
	ID      string
	Files   []SharedFile
	Created string
	Embed   string // the iframe snippet
}

// Phases lists OpenResty's phases in the order a request meets them
// (init and init_worker run at startup).
var Phases = []string{"init", "init_worker", "ssl", "set", "server_rewrite", "rewrite", "access", "content", "balancer", "header_filter", "body_filter", "log"}

// API is one ngx API in Boot.API.
type API struct {
	Name   string   `json:"name"`
	Phases []string `json:"phases,omitempty"` // where it may run; empty when Any
	Yields bool     `json:"yields,omitempty"` // it may suspend the coroutine
	Any    bool     `json:"any,omitempty"`    // it works in every phase
}
