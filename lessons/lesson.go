package lessons

import (
	"html/template"
	"net/http"
)

// Lang is a language of the course: English or Simplified Chinese.
type Lang string

// The course's languages.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// Langs are the languages every lesson must have.
var Langs = []Lang{English, Chinese}

// Text is a short plain text in both languages.
type Text struct {
	En, Zh string
}

// In returns the text in lang (English for an unknown language).
func (t Text) In(lang Lang) string {
	if lang == Chinese {
		return t.Zh
	}
	return t.En
}

// HTML is rendered Markdown in both languages (code highlighted with chroma,
// raw HTML of the source left out).
type HTML struct {
	En, Zh template.HTML
}

// In returns the HTML in lang (English for an unknown language).
func (h HTML) In(lang Lang) template.HTML {
	if lang == Chinese {
		return h.Zh
	}
	return h.En
}

// Status says whether a lesson can be taken yet.
type Status string

// Lesson states.
const (
	// Ready lessons have their text, workspaces, experiments and checks.
	Ready Status = "ready"
	// Coming lessons are listed in the course with their title and summary
	// only (e.g. one that needs an engine feature not built yet).
	Coming Status = "coming"
)

// Workspace is what a learner edits: nginx.conf and the other files (Lua
// modules) by slash-separated path relative to it.
type Workspace struct {
	Conf  string
	Files map[string]string
}

// Lesson is one lesson of the course. Fields other than ID, Order, Status,
// Title and Summary are empty for a Coming lesson.
type Lesson struct {
	// ID is the folder's slug ("hello" for content/01-hello).
	ID string
	// Order is the folder's number: the lesson's place in the course.
	Order   int
	Status  Status
	Title   Text
	Summary Text
	// LabOnly is why the lesson cannot run on real nginx + ngx_lua
	// (lesson.txt's "oracle: no (reason)", e.g. it talks to redis.lab,
	// which only the lab serves); empty when it can, and then its solutions
	// must pass every check that needs no trace on real nginx too.
	LabOnly string

	// Text is the lesson itself, ending with its reflection questions.
	Text HTML
	// Task says what to change in the starter workspace.
	Task HTML
	// Hints are shown one at a time, in order.
	Hints []HTML

	// Starter is the workspace the lesson starts from.
	Starter Workspace
	// Solution is the reference solution the learner may look at.
	Solution Workspace
	// Solution2 is a second, differently written solution: tests run the
	// checks on it too, so that checks accept any correct answer.
	Solution2 Workspace

	Experiments []Experiment
	Checks      []Check
}

// Experiment is a one-click request or burst of a lesson.
type Experiment struct {
	Name    Text
	Method  string
	Path    string // request target: path and query
	Headers http.Header
	Body    string
	// N requests at concurrency C (1, 1 for a single request).
	N, C int
	// Status is what the reference solution answers (--- error_code,
	// 200 by default): an experiment may show a refusal or a redirect.
	Status int
	// SNI, when set, sends the requests over TLS with this SNI name ("-":
	// TLS without SNI).
	SNI string `json:",omitempty"`
	// Listen, when set, sends to that listen address of nginx.conf ("443",
	// "127.0.0.1:8080"; MatchAddress) instead of the first.
	Listen string `json:",omitempty"`
}

// Check is one scored check of a lesson.
type Check struct {
	Name Text
	// Hint is shown with a failure.
	Hint Text

	req       *request // nil: the check only records (wait)
	wait      int      // ms to keep recording after the responses
	asserts   []assertion
	file      string
	line      int
	needTrace bool
}
