package lessons

import (
	"fmt"
	"regexp"
	"strings"
)

// The block format of checks.txt and experiments.txt, modelled on
// Test::Nginx's data sections (our own parser):
//
//	=== name of the block
//	--- section: inline value
//	--- section modifier
//	a value over
//	several lines
//
// A block starts at a line "=== name". A section starts at a line
// "--- name", optionally followed by modifiers (words) and ": value". A
// section without an inline value takes the lines up to the next section or
// block: each line ends with "\n", trailing blank lines are dropped, and the
// modifier "chomp" removes the last "\n". Before the first block, only blank
// lines and "#" comments are allowed.

// block is one "=== name" block.
type block struct {
	name     string
	line     int
	sections []section
}

// section is one "--- name" section of a block.
type section struct {
	name      string
	modifiers []string
	value     string
	inline    bool // the value was given after ":" on the section line
	line      int  // line of the "---" header
}

// posError is an error at a line of a lesson file.
type posError struct {
	file string
	line int
	msg  string
}

func (e *posError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return e.file + ": " + e.msg
}

func errAt(file string, line int, format string, args ...any) error {
	return &posError{file: file, line: line, msg: fmt.Sprintf(format, args...)}
}

var sectionHead = regexp.MustCompile(`^--- ([a-z_]+)((?: +[a-z_]+)*) *(?::(.*))?$`)

// parseBlocks cuts a block file into blocks.
func parseBlocks(file, text string) ([]block, error) {
	var blocks []block
	var cur *section
	var body []string
	flush := func() {
		if cur == nil {
			return
		}
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		if !cur.inline {
			v := ""
			if len(body) > 0 {
				v = strings.Join(body, "\n") + "\n"
			}
			for _, m := range cur.modifiers {
				if m == "chomp" {
					v = strings.TrimSuffix(v, "\n")
				}
			}
			cur.value = v
		}
		b := &blocks[len(blocks)-1]
		b.sections = append(b.sections, *cur)
		cur, body = nil, nil
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, ln := range lines {
		n := i + 1
		switch {
		case strings.HasPrefix(ln, "==="):
			flush()
			name := strings.TrimSpace(strings.TrimPrefix(ln, "==="))
			if name == "" {
				return nil, errAt(file, n, `a block needs a name: "=== what it checks"`)
			}
			blocks = append(blocks, block{name: name, line: n})
		case strings.HasPrefix(ln, "---"):
			flush()
			if len(blocks) == 0 {
				return nil, errAt(file, n, `section %q before the first "=== name" line`, ln)
			}
			m := sectionHead.FindStringSubmatch(strings.TrimRight(ln, " \t"))
			if m == nil {
				return nil, errAt(file, n, `bad section line %q: want "--- name", "--- name modifier" or "--- name: value"`, ln)
			}
			s := section{name: m[1], modifiers: strings.Fields(m[2]), line: n}
			if strings.Contains(ln, ":") { // names and modifiers have no ':'
				s.inline, s.value = true, strings.TrimSpace(m[3])
			}
			for _, mod := range s.modifiers {
				if mod != "chomp" {
					return nil, errAt(file, n, "unknown modifier %q of section %q (only chomp is known)", mod, s.name)
				}
			}
			for _, prev := range blocks[len(blocks)-1].sections {
				if prev.name == s.name {
					return nil, errAt(file, n, "section %q given twice in block %q (first at line %d)", s.name, blocks[len(blocks)-1].name, prev.line)
				}
			}
			cur = &s
		case cur != nil:
			body = append(body, ln)
		case strings.TrimSpace(ln) == "" || strings.HasPrefix(strings.TrimSpace(ln), "#"):
			// blank or comment between blocks and their first section
		default:
			return nil, errAt(file, n, `text %q outside a section: start one with "--- name"`, ln)
		}
	}
	flush()
	return blocks, nil
}
