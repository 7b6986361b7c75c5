package difftest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Flags of the suite.
var (
	updateFlag = flag.Bool("update", false, "rewrite testdata/golden from real nginx")
	engineFlag = flag.Bool("engine", true, "also run the RestyLab engine (env RESTYLAB_DIFF_ENGINE=0 disables)")
	caseFlag   = flag.String("case", "", "run only cases whose area/name (or name) matches this glob")
	showLog    = flag.Bool("showlog", false, "log each run's error.log (with -v)")
)

// Paths of the oracle's dynamic modules; nginx is usable only with both.
var nginxModules = []string{
	"/usr/lib/nginx/modules/ndk_http_module.so",
	"/usr/lib/nginx/modules/ngx_http_lua_module.so",
}

// maxParallelCases is how many cases run at once (2 cores shared).
const maxParallelCases = 2

// env is what TestMain prepared for the tests; tests only read it.
type env struct {
	nginx     string // path of nginx, "" when not installed
	engine    string // path of the built engine binary
	engineErr error  // why the engine could not be built
	runEngine bool
}

// suite is set once by TestMain before any test runs.
var suite env

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

// runMain prepares suite, runs the tests and removes the build directory.
func runMain(m *testing.M) int {
	suite.runEngine = *engineFlag && os.Getenv("RESTYLAB_DIFF_ENGINE") != "0"
	if p, err := exec.LookPath("nginx"); err == nil && modulesPresent() {
		suite.nginx = p
	}
	if suite.runEngine {
		dir, err := os.MkdirTemp("", "restylab-bin-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "difftest: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		suite.engine = filepath.Join(dir, "restylab")
		suite.engineErr = buildEngine(suite.engine)
	}
	return m.Run()
}

// modulesPresent reports whether the ngx_lua dynamic modules exist.
func modulesPresent() bool {
	for _, p := range nginxModules {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// buildEngine builds ./cmd/restylab of the enclosing module into out.
func buildEngine(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, "./cmd/restylab")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/restylab in %s: %w\n%s", root, err, msg)
	}
	return nil
}

// nginxSide runs the oracle.
func nginxSide() Side {
	return Side{Name: "nginx", Args: func(prefix, conf string) []string {
		return []string{suite.nginx, "-p", prefix, "-c", conf}
	}}
}

// engineSide runs the RestyLab engine.
func engineSide() Side {
	return Side{Name: "engine", Args: func(prefix, conf string) []string {
		return []string{suite.engine, "run", "-c", conf, "-p", prefix}
	}}
}

// loadCases parses every case file, sorted by name.
func loadCases(t *testing.T) []*Case {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*", "*.txt"))
	if err != nil {
		t.Fatalf("glob cases: %v", err)
	}
	sort.Strings(files)
	var cases []*Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read case: %v", err)
		}
		name := filepath.ToSlash(strings.TrimSuffix(strings.TrimPrefix(f, filepath.Join("testdata", "cases")+string(filepath.Separator)), ".txt"))
		c, err := ParseCase(name, data)
		if err != nil {
			t.Errorf("parse case: %v", err)
			continue
		}
		cases = append(cases, c)
	}
	return cases
}

// selected reports whether -case picks the case called name.
func selected(name string) bool {
	if *caseFlag == "" {
		return true
	}
	if ok, _ := path.Match(*caseFlag, name); ok {
		return true
	}
	ok, _ := path.Match(*caseFlag, path.Base(name))
	return ok
}

// goldenPath is where the golden result of case name lives.
func goldenPath(name string) string {
	return filepath.Join("testdata", "golden", filepath.FromSlash(name)+".json")
}

// readGolden loads the golden result of case name.
func readGolden(name string) (Result, error) {
	var r Result
	data, err := os.ReadFile(goldenPath(name))
	if err != nil {
		return r, fmt.Errorf("read golden (run go test ./lab/difftest -update): %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("parse golden %s: %w", goldenPath(name), err)
	}
	return r, nil
}

// writeGolden stores r as the golden result of case name.
func writeGolden(name string, r Result) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode golden: %w", err)
	}
	p := goldenPath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write golden: %w", err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write golden: %w", err)
	}
	return nil
}

// TestCases runs every case on nginx (if installed) and on the engine,
// comparing both with the golden files.
func TestCases(t *testing.T) {
	cases := loadCases(t)
	if *updateFlag && suite.nginx == "" {
		t.Fatal("-update needs nginx and the ngx_lua modules installed")
	}
	sem := make(chan struct{}, maxParallelCases)
	for _, c := range cases {
		if !selected(c.Name) {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run("nginx", func(t *testing.T) { checkNginx(t, c) })
			t.Run("engine", func(t *testing.T) { checkEngine(t, c) })
		})
	}
}

// checkNginx runs c on the oracle and compares with (or rewrites) its golden.
func checkNginx(t *testing.T, c *Case) {
	if suite.nginx == "" {
		t.Skip("nginx with ngx_lua not installed")
	}
	got := runCase(t, nginxSide(), c)
	if bad := unmetExpectations(got); len(bad) > 0 {
		t.Fatalf("%s\nnginx contradicts the case's expectations:\n  %s", c.Comment, strings.Join(bad, "\n  "))
	}
	if *updateFlag {
		if err := writeGolden(c.Name, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readGolden(c.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffResults(want, got); len(d) > 0 {
		t.Errorf("%s\nnginx differs from the golden file (stale golden? rerun with -update):\n%s", c.Comment, strings.Join(d, "\n"))
	}
}

// checkEngine runs c on the engine and compares with its golden.
func checkEngine(t *testing.T, c *Case) {
	if !suite.runEngine {
		t.Skip("engine disabled (-engine=false or RESTYLAB_DIFF_ENGINE=0)")
	}
	if suite.engineErr != nil {
		t.Fatalf("engine not built: %v", suite.engineErr)
	}
	want, err := readGolden(c.Name)
	if err != nil {
		t.Fatal(err)
	}
	got := runCase(t, engineSide(), c)
	if d := diffResults(want, got); len(d) > 0 {
		t.Errorf("%s\nengine differs from nginx (- nginx, + engine):\n%s", c.Comment, strings.Join(d, "\n"))
	}
}

// unmetExpectations lists the errlog/emerg lines whose presence contradicts
// the case ("x" must be found, "!x" must not).
func unmetExpectations(r Result) []string {
	var bad []string
	checks := r.Errlog
	if r.StartFailure != nil {
		checks = append(checks, r.StartFailure.Stderr...)
		if r.StartFailure.Exit == -1 {
			bad = append(bad, "the server started although the case has -- emerg --")
		}
	}
	for _, ch := range checks {
		want := !strings.HasPrefix(ch.Pattern, "!")
		if ch.Found != want {
			bad = append(bad, fmt.Sprintf("%q found=%v", ch.Pattern, ch.Found))
		}
	}
	return bad
}

// diffResults describes every difference between want and got, one line
// or block per difference; nil means equal.
func diffResults(want, got Result) []string {
	if reflect.DeepEqual(want, got) {
		return nil
	}
	var d []string
	if len(want.Requests) != len(got.Requests) {
		d = append(d, fmt.Sprintf("responses: %d, want %d", len(got.Requests), len(want.Requests)))
	}
	for i := 0; i < len(want.Requests) && i < len(got.Requests); i++ {
		d = append(d, diffResponse(i+1, want.Requests[i], got.Requests[i])...)
	}
	d = append(d, diffChecks("error.log", want.Errlog, got.Errlog)...)
	d = append(d, diffLogs(want.Logs, got.Logs)...)
	ws, gs := want.StartFailure, got.StartFailure
	switch {
	case ws == nil && gs == nil:
	case ws == nil || gs == nil:
		d = append(d, fmt.Sprintf("start failure: %+v, want %+v", gs, ws))
	default:
		if ws.Exit != gs.Exit {
			d = append(d, fmt.Sprintf("exit code: %d, want %d (-1 = kept running)", gs.Exit, ws.Exit))
		}
		d = append(d, diffChecks("stderr", ws.Stderr, gs.Stderr)...)
	}
	if len(d) == 0 {
		d = append(d, "results differ in a way the differ does not show")
	}
	return d
}

// diffChecks lists patterns whose presence differs.
func diffChecks(where string, want, got []Check) []string {
	var d []string
	if len(want) != len(got) {
		return []string{fmt.Sprintf("%s: %d checks, want %d", where, len(got), len(want))}
	}
	for i := range want {
		if want[i] != got[i] {
			d = append(d, fmt.Sprintf("%s: %q found=%v, want found=%v", where, want[i].Pattern, got[i].Found, want[i].Found))
		}
	}
	return d
}

// diffResponse lists the differences of response n.
func diffResponse(n int, want, got Response) []string {
	var d []string
	p := fmt.Sprintf("response %d: ", n)
	if want.StatusLine != got.StatusLine {
		d = append(d, fmt.Sprintf("%sstatus line:\n  - %q\n  + %q", p, want.StatusLine, got.StatusLine))
	}
	if want.Note != got.Note {
		d = append(d, fmt.Sprintf("%snote: %q, want %q", p, got.Note, want.Note))
	}
	if hd := diffHeaders(want.Headers, got.Headers); len(hd) > 0 {
		d = append(d, p+"headers:\n  "+strings.Join(hd, "\n  "))
	}
	if want.Decoded != got.Decoded {
		d = append(d, fmt.Sprintf("%sbody decoded from: %q, want %q", p, got.Decoded, want.Decoded))
	}
	if want.Body != got.Body {
		d = append(d, p+"body:\n"+diffText(want.Body, got.Body, "\n"))
	}
	if want.Raw != got.Raw {
		d = append(d, p+"raw bytes:\n"+diffText(want.Raw, got.Raw, "\r\n"))
	}
	return d
}

// diffHeaders shows headers missing (-) and extra (+), as multisets.
func diffHeaders(want, got []string) []string {
	count := map[string]int{}
	for _, h := range want {
		count[h]++
	}
	for _, h := range got {
		count[h]--
	}
	var d []string
	for _, h := range want {
		if count[h] > 0 {
			d = append(d, "- "+h)
			count[h]--
		}
	}
	for _, h := range got {
		if count[h] < 0 {
			d = append(d, "+ "+h)
			count[h]++
		}
	}
	if len(d) == 0 && !reflect.DeepEqual(want, got) {
		d = append(d, fmt.Sprintf("order of repeated headers: %q, want %q", got, want))
	}
	return d
}

// diffText shows both texts split on sep, marking the first differing line.
func diffText(want, got, sep string) string {
	wl, gl := strings.Split(want, sep), strings.Split(got, sep)
	first := 0
	for first < len(wl) && first < len(gl) && wl[first] == gl[first] {
		first++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  first difference at line %d\n", first+1)
	show := func(mark string, lines []string) {
		total := 0
		for i, l := range lines {
			if total > bodyShowLimit {
				fmt.Fprintf(&b, "  %s ... (%d more lines)\n", mark, len(lines)-i)
				return
			}
			total += len(l)
			flag := " "
			if i == first {
				flag = ">"
			}
			fmt.Fprintf(&b, "  %s%s %q\n", mark, flag, l)
		}
	}
	show("-", wl)
	show("+", gl)
	return strings.TrimRight(b.String(), "\n")
}

// TestGoldensHaveCases fails on golden files whose case was removed.
func TestGoldensHaveCases(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.json"))
	if err != nil {
		t.Fatalf("glob goldens: %v", err)
	}
	for _, g := range goldens {
		rel := strings.TrimPrefix(g, filepath.Join("testdata", "golden")+string(filepath.Separator))
		c := filepath.Join("testdata", "cases", strings.TrimSuffix(rel, ".json")+".txt")
		if _, err := os.Stat(c); err != nil {
			t.Errorf("golden %s has no case %s", g, c)
		}
	}
}

// diffLogs describes how the -- logs -- files differ, line by line.
func diffLogs(want, got []LogFile) []string {
	var d []string
	if len(want) != len(got) {
		return append(d, fmt.Sprintf("log files: %d, want %d", len(got), len(want)))
	}
	for i, w := range want {
		g := got[i]
		if w.Missing != g.Missing {
			d = append(d, fmt.Sprintf("%s: missing=%v, want missing=%v", w.Path, g.Missing, w.Missing))
			continue
		}
		for j := 0; j < len(w.Lines) || j < len(g.Lines); j++ {
			var wl, gl string
			if j < len(w.Lines) {
				wl = w.Lines[j]
			}
			if j < len(g.Lines) {
				gl = g.Lines[j]
			}
			if wl != gl || j >= len(w.Lines) || j >= len(g.Lines) {
				d = append(d, fmt.Sprintf("%s line %d:\n  - %q\n  + %q", w.Path, j+1, wl, gl))
			}
		}
	}
	return d
}
