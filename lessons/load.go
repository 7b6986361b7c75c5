package lessons

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

//go:embed content
var content embed.FS

var (
	courseOnce sync.Once
	course     []*Lesson
	courseErr  error
)

// All returns the course embedded in the binary, in order. A broken lesson
// is a bug of the build (a test loads them all): the error names it.
func All() ([]*Lesson, error) {
	courseOnce.Do(func() { course, courseErr = Load(content, "content") })
	return course, courseErr
}

// ByID returns the embedded lesson with that id.
func ByID(id string) (*Lesson, bool) {
	all, err := All()
	if err != nil {
		return nil, false
	}
	for _, l := range all {
		if l.ID == id {
			return l, true
		}
	}
	return nil, false
}

var folderRe = regexp.MustCompile(`^([0-9]{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$`)

// Load reads every lesson folder NN-slug under dir of fsys, in order.
// Errors name the file (as a path in fsys) and the line.
func Load(fsys fs.FS, dir string) ([]*Lesson, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("lessons: %w", err)
	}
	var out []*Lesson
	ids, orders := map[string]string{}, map[int]string{}
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		m := folderRe.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			return nil, errAt(p, 0, "not a lesson folder: want a folder named NN-slug, e.g. 03-nonblocking")
		}
		order, _ := strconv.Atoi(m[1])
		if prev, dup := orders[order]; dup {
			return nil, errAt(p, 0, "lesson number %02d is taken by %s too", order, prev)
		}
		if prev, dup := ids[m[2]]; dup {
			return nil, errAt(p, 0, "lesson id %q is taken by %s too", m[2], prev)
		}
		orders[order], ids[m[2]] = p, p
		l, err := loadLesson(fsys, p, m[2], order)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, nil
}

// The entries of a lesson folder.
var (
	readyEntries = []string{"lesson.txt", "en", "zh", "starter", "solution", "solution2", "experiments.txt", "checks.txt"}
	textFiles    = []string{"text.md", "task.md", "hints.md"}
	knownEntries = map[string]bool{}
	metaKeys     = map[string]bool{"status": true, "title_en": true, "title_zh": true, "summary_en": true, "summary_zh": true, "oracle": true}
)

// commonDir is the optional folder of files every workspace of the lesson
// has (certificates, data modules): starter, solution and solution2 get
// them unless they hold a file of the same path themselves.
const commonDir = "common"

func init() {
	for _, e := range readyEntries {
		knownEntries[e] = true
	}
	knownEntries[commonDir] = true
}

func loadLesson(fsys fs.FS, dir, id string, order int) (*Lesson, error) {
	l := &Lesson{ID: id, Order: order}
	if err := l.readMeta(fsys, path.Join(dir, "lesson.txt")); err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for _, e := range entries {
		if !knownEntries[e.Name()] {
			return nil, errAt(path.Join(dir, e.Name()), 0, "unknown entry of a lesson folder (want %s, and optionally %s)", strings.Join(readyEntries, ", "), commonDir)
		}
	}
	if l.Status == Coming {
		return l, nil // listed with its title; the rest is work in progress
	}
	for _, lang := range Langs {
		for _, name := range textFiles {
			p := path.Join(dir, string(lang), name)
			src, err := readText(fsys, p)
			if err != nil {
				return nil, err
			}
			if lang == Chinese && !hasHan(src) {
				return nil, errAt(p, 0, "the Chinese text has no Chinese in it: translate it")
			}
			switch name {
			case "text.md":
				// the page shows lesson.txt's title above the text
				if strings.HasPrefix(src, "# ") {
					return nil, errAt(p, 1, "the title belongs in lesson.txt (title_%s), not as a heading of the text", lang)
				}
				err = setLang(&l.Text, lang, p, src)
			case "task.md":
				err = setLang(&l.Task, lang, p, src)
			case "hints.md":
				err = l.setHints(lang, p, src)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	for _, w := range []struct {
		name string
		ws   *Workspace
	}{{"starter", &l.Starter}, {"solution", &l.Solution}, {"solution2", &l.Solution2}} {
		if *w.ws, err = readWorkspace(fsys, path.Join(dir, w.name)); err != nil {
			return nil, err
		}
	}
	common, err := readFiles(fsys, path.Join(dir, commonDir))
	if err != nil {
		return nil, err
	}
	for _, ws := range []*Workspace{&l.Starter, &l.Solution, &l.Solution2} {
		for p, text := range common {
			if _, own := ws.Files[p]; !own && p != "nginx.conf" {
				ws.Files[p] = text
			}
		}
	}
	p := path.Join(dir, "experiments.txt")
	if err := eachBlock(fsys, p, func(b block) error {
		ex, err := parseExperiment(p, b)
		l.Experiments = append(l.Experiments, ex)
		return err
	}); err != nil {
		return nil, err
	}
	p = path.Join(dir, "checks.txt")
	if err := eachBlock(fsys, p, func(b block) error {
		ck, err := parseCheck(p, b)
		l.Checks = append(l.Checks, ck)
		return err
	}); err != nil {
		return nil, err
	}
	return l, nil
}

// readMeta reads lesson.txt: "key: value" lines, "#" comments.
func (l *Lesson) readMeta(fsys fs.FS, p string) error {
	src, err := readText(fsys, p)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for i, ln := range strings.Split(src, "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		key, value, ok := strings.Cut(ln, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case !ok || !metaKeys[key]:
			return errAt(p, i+1, "bad line %q: want \"key: value\" with a key among status, title_en, title_zh, summary_en, summary_zh, oracle", ln)
		case seen[key] > 0:
			return errAt(p, i+1, "%s given twice (first at line %d)", key, seen[key])
		case value == "":
			return errAt(p, i+1, "%s is empty", key)
		}
		seen[key] = i + 1
		switch key {
		case "status":
			if value != string(Ready) && value != string(Coming) {
				return errAt(p, i+1, "status %q: want ready or coming", value)
			}
			l.Status = Status(value)
		case "title_en":
			l.Title.En = value
		case "title_zh":
			l.Title.Zh = value
		case "summary_en":
			l.Summary.En = value
		case "summary_zh":
			l.Summary.Zh = value
		case "oracle":
			reason, err := labOnlyReason(value)
			if err != nil {
				return errAt(p, i+1, "%v", err)
			}
			l.LabOnly = reason
		}
	}
	for _, key := range []string{"status", "title_en", "title_zh", "summary_en", "summary_zh"} {
		if seen[key] == 0 {
			return errAt(p, 0, "%s is missing", key)
		}
	}
	if !hasHan(l.Title.Zh) || !hasHan(l.Summary.Zh) {
		return errAt(p, 0, "title_zh and summary_zh must be written in Chinese")
	}
	return nil
}

// labOnlyReason reads lesson.txt's oracle value: "yes" (the default: the
// solutions run on real nginx too) or "no (reason)"; it returns the reason.
func labOnlyReason(value string) (string, error) {
	if value == "yes" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(value, "no")
	rest = strings.TrimSpace(rest)
	reason, closed := strings.CutSuffix(strings.TrimPrefix(rest, "("), ")")
	if !ok || !strings.HasPrefix(rest, "(") || !closed || strings.TrimSpace(reason) == "" {
		return "", fmt.Errorf("oracle %q: want yes, or no with the reason in parentheses, e.g. \"no (it talks to redis.lab, which only the lab serves)\"", value)
	}
	return strings.TrimSpace(reason), nil
}

func setLang(h *HTML, lang Lang, p, src string) error {
	out, err := renderMarkdown(p, src)
	if err != nil {
		return err
	}
	if lang == Chinese {
		h.Zh = out
	} else {
		h.En = out
	}
	return nil
}

func (l *Lesson) setHints(lang Lang, p, src string) error {
	items, err := renderList(p, src)
	if err != nil {
		return err
	}
	if lang == English {
		for _, it := range items {
			l.Hints = append(l.Hints, HTML{En: it})
		}
		return nil
	}
	if len(items) != len(l.Hints) {
		return errAt(p, 0, "%d hints, but the English hints.md has %d: every hint needs its translation", len(items), len(l.Hints))
	}
	for i, it := range items {
		l.Hints[i].Zh = it
	}
	return nil
}

// readText reads a required, non-empty UTF-8 text file.
func readText(fsys fs.FS, p string) (string, error) {
	b, err := fs.ReadFile(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errAt(p, 0, "missing")
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", errAt(p, 0, "empty")
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

// readWorkspace reads a workspace folder: its nginx.conf and every other
// file by slash path.
func readWorkspace(fsys fs.FS, dir string) (Workspace, error) {
	ws := Workspace{Files: map[string]string{}}
	conf, err := readText(fsys, path.Join(dir, "nginx.conf"))
	if err != nil {
		return ws, err
	}
	ws.Conf = conf
	ws.Files, err = readFiles(fsys, dir)
	delete(ws.Files, "nginx.conf")
	return ws, err
}

// readFiles reads every file below dir by its path relative to dir; a
// missing dir has none.
func readFiles(fsys fs.FS, dir string) (map[string]string, error) {
	files := map[string]string{}
	if _, err := fs.Stat(fsys, dir); errors.Is(err, fs.ErrNotExist) {
		return files, nil
	}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, dir+"/")
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files[rel] = string(b)
		return nil
	})
	return files, err
}

// eachBlock parses a required block file and calls f for every block.
func eachBlock(fsys fs.FS, p string, f func(block) error) error {
	src, err := readText(fsys, p)
	if err != nil {
		return err
	}
	blocks, err := parseBlocks(p, src)
	if err != nil {
		return err
	}
	if len(blocks) == 0 {
		return errAt(p, 0, `no blocks: start one with "=== name"`)
	}
	for _, b := range blocks {
		if err := f(b); err != nil {
			return err
		}
	}
	return nil
}

// hasHan reports whether s has a Chinese character: a "translation" that
// is a copy of the English fails.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
