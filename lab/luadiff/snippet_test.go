package luadiff

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// An area is one testdata/AREA.lua file: its snippets, in order.
type area struct {
	name     string // "string" for testdata/string.lua
	src      string // the file's text
	snippets []string
}

// markerRE is the line that starts a snippet: `-- @@ name`.
var markerRE = regexp.MustCompile(`^-- @@ ([A-Za-z0-9_.-]+)\s*$`)

// loadAreas reads every testdata/*.lua file.
func loadAreas(dir string) ([]*area, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil {
		return nil, fmt.Errorf("luadiff: list snippet files: %w", err)
	}
	sort.Strings(paths)
	var areas []*area
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("luadiff: %w", err)
		}
		a := &area{name: strings.TrimSuffix(filepath.Base(p), ".lua"), src: string(b)}
		seen := map[string]int{}
		for i, line := range strings.Split(a.src, "\n") {
			if strings.HasPrefix(line, "-- @@") {
				m := markerRE.FindStringSubmatch(line)
				if m == nil {
					return nil, fmt.Errorf("luadiff: %s:%d: bad snippet marker %q: want `-- @@ name` (letters, digits, _ . -)", p, i+1, line)
				}
				if prev, dup := seen[m[1]]; dup {
					return nil, fmt.Errorf("luadiff: %s:%d: snippet %q already starts on line %d", p, i+1, m[1], prev)
				}
				seen[m[1]] = i + 1
				a.snippets = append(a.snippets, m[1])
			} else if len(a.snippets) == 0 && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "--") {
				return nil, fmt.Errorf("luadiff: %s:%d: code before the first `-- @@ name` line", p, i+1)
			}
		}
		if len(a.snippets) == 0 {
			return nil, fmt.Errorf("luadiff: %s: no snippets (`-- @@ name` lines)", p)
		}
		areas = append(areas, a)
	}
	return areas, nil
}

// prelude defines the snippet runner on the first marker line, so that
// line numbers in the generated chunk are the snippet file's own: each
// snippet becomes a vararg function run in a pcall of its own, after a
// header line naming it; an error is printed, not raised.
const prelude = `local __snip = function(name, f) print("@@ " .. name) local ok, err = pcall(f) ` +
	`if not ok then if type(err) == "string" or type(err) == "number" then print("error: " .. err) ` +
	`else print("error object: " .. type(err)) end end end `

// chunk is the Lua both sides run for a: every `-- @@ name` line becomes
// `end) __snip("name", function(...)` (the first one the prelude instead
// of `end)`), and `end)` closes the last snippet on a line of its own.
func (a *area) chunk() string {
	lines := strings.Split(strings.TrimRight(a.src, "\n"), "\n")
	first := true
	for i, line := range lines {
		m := markerRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		open := fmt.Sprintf("__snip(%q, function(...)", m[1])
		if first {
			lines[i] = prelude + open
			first = false
		} else {
			lines[i] = "end) " + open
		}
	}
	return strings.Join(lines, "\n") + "\nend)\n"
}

// split cuts a run's output into each snippet's text, by the "@@ name"
// header lines the prelude prints. Text before the first header, or under
// a header printed twice, is kept under a name that matches no snippet.
func split(out string) (map[string]string, []string) {
	got := map[string]string{}
	var order []string
	cur := "(before the first snippet)"
	var b strings.Builder
	flush := func() {
		if _, dup := got[cur]; dup {
			cur += " (again)"
		}
		if b.Len() > 0 || cur[0] != '(' {
			got[cur] = b.String()
			order = append(order, cur)
		}
		b.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "@@ "); ok {
			flush()
			cur = name
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	flush()
	return got, order
}

// known is testdata/known.txt: "area/name<TAB or spaces>reason" per line,
// # comments and blank lines skipped.
func loadKnown(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("luadiff: %w", err)
	}
	known := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason := line, ""
		if i := strings.IndexAny(line, " \t"); i > 0 {
			name, reason = line[:i], strings.TrimSpace(line[i:])
		}
		if reason == "" || !strings.Contains(name, "/") {
			return nil, fmt.Errorf("luadiff: %s:%d: want `area/snippet reason`, got %q", path, i+1, line)
		}
		if _, dup := known[name]; dup {
			return nil, fmt.Errorf("luadiff: %s:%d: %s listed twice", path, i+1, name)
		}
		known[name] = reason
	}
	return known, nil
}
