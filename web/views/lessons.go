package views

import "html/template"

// LessonItem is one lesson in the course list.
type LessonItem struct {
	ID      string
	Order   int
	Title   string
	Summary string
	// Ready is false for a lesson still being written (listed, not opened).
	Ready bool
	Done  bool
	Score int
	// Tried is true once the session checked the lesson.
	Tried bool
}

// LessonExperiment is a one-click request or burst of a lesson page; the
// front end reads it from the button's data attributes.
type LessonExperiment struct {
	Label   string
	Method  string
	Path    string
	Headers string // "Name: value" lines
	Body    string
	N, C    int
	// SNI is the TLS name the experiment sends ("-": TLS without SNI; ""
	// when the experiment does not say).
	SNI string
	// Listen is the listen address the experiment sends to ("443"; ""
	// when the experiment does not say: the panels' choice stays).
	Listen string
}

// LessonView is the data of a lesson page.
type LessonView struct {
	LessonItem
	Text        template.HTML
	Task        template.HTML
	Hints       []template.HTML
	Experiments []LessonExperiment
	// Current is true when the session's workspace began from this
	// lesson's starter; otherwise the page offers to load it.
	Current    bool
	Prev, Next *LessonItem
}

// BootLesson tells the front end it runs beside a lesson.
type BootLesson struct {
	ID string `json:"id"`
}
