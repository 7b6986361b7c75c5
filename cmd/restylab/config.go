package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web"
)

// envPrefix starts the environment variable of every `serve` flag:
// --max-instances is RESTYLAB_MAX_INSTANCES.
const envPrefix = "RESTYLAB_"

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// labReserve is the memory left to the lab itself (web server, store,
// test services) when the default --max-instances is sized.
const labReserve = 512 << 20

// Bounds of the sized default of --max-instances.
const (
	minAutoInstances = 2
	maxAutoInstances = 500
)

// serveOptions is everything `restylab serve` is told.
type serveOptions struct {
	addr            string
	cfg             web.Config
	testserver      bool
	logFormat       string
	logLevel        string
	shutdownTimeout time.Duration
	machine         machine
}

// serveConfig is the set of `serve` flags with their environment variables.
type serveConfig struct {
	fs      *flag.FlagSet
	opts    *serveOptions
	fromEnv map[string]string // flag name -> variable, for the values the environment set
}

// newServeConfig declares the flags of `serve`, with defaults sized from m.
func newServeConfig(stderr io.Writer, m machine) *serveConfig {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &serveOptions{machine: m}
	sb := &o.cfg.Sandbox
	fs.StringVar(&o.addr, "addr", ":8080", "`address` to listen on")
	fs.StringVar(&o.cfg.DataDir, "data", "restylab-data", "`folder` of the lab's store: every workspace, snapshot and lesson progress (must be writable by the lab's user)")
	fs.IntVar(&sb.MaxInstances, "max-instances", 0, fmt.Sprintf("most learner instances running at once (0: sized from the machine, (memory - %s) / --memory-limit, here %d)", formatSize(labReserve), autoMaxInstances(m, sandbox.DefaultMemoryLimit)))
	fs.DurationVar(&sb.IdleTimeout, "idle-timeout", sandbox.DefaultIdleTimeout, "stop an instance unused this long (its workspace stays)")
	sb.MemoryLimit = sandbox.DefaultMemoryLimit
	fs.Var(byteSize{&sb.MemoryLimit}, "memory-limit", "Go heap `size` of one instance (256MiB, 1GiB, or bytes)")
	sb.CgroupMemory = sandbox.DefaultCgroupMemory
	fs.Var(byteSize{&sb.CgroupMemory}, "cgroup-memory", "memory.max `size` of one instance's cgroup (with cgroup v2 only)")
	fs.Float64Var(&sb.CgroupCPUs, "cgroup-cpus", min(sandbox.DefaultCgroupCPUs, float64(m.cpus)), "cpu.max of one instance's cgroup, in `CPUs` (with cgroup v2 only; at most the machine's)")
	fs.StringVar(&sb.CgroupParent, "cgroup-parent", "", "cgroup v2 `directory` for the instances' groups (default: the lab's own; \"off\": rlimits only)")
	fs.IntVar(&sb.OpenFiles, "open-files", sandbox.DefaultOpenFiles, "open files of one instance")
	fs.DurationVar(&sb.CPUBudget, "cpu-budget", sandbox.DefaultCPUBudget, "CPU budget of one Lua resume")
	fs.DurationVar(&sb.CPUPerMinute, "cpu-per-minute", sandbox.DefaultCPUPerMinute, "CPU time an instance may use in a minute before it is killed")
	fs.IntVar(&sb.MaxWorkers, "max-workers", min(sandbox.DefaultMaxWorkers, m.cpus), "largest worker_processes of one instance (at most the machine's cores)")
	fs.IntVar(&o.cfg.MaxBurst, "max-burst", web.DefaultMaxBurst, "most requests of one burst")
	fs.IntVar(&sb.Nice, "nice", sandbox.DefaultNice, "nice value of the instances' threads (1..19; below the lab's)")
	fs.BoolVar(&o.cfg.TrustProxy, "trust-proxy", false, "the lab is behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (then the session cookie is __Host- and Secure)")
	fs.StringVar(&o.cfg.BasePath, "base-path", "", "`path` prefix a reverse proxy forwards the lab under, unchanged (/lab): every route, link, API call, WebSocket and cookie of the lab is under it; docs/operations.md")
	fs.StringVar(&o.cfg.JoinCode, "join-code", "", "`code` a learner types at /join before getting a session (classroom mode; wrong codes are rate-limited)")
	fs.StringVar(&o.cfg.TeacherPassword, "teacher-password", "", "`password` of the teacher's page /teacher (classroom mode; without it the page answers 404; prefer the environment variable)")
	fs.BoolVar(&o.testserver, "testserver", true, "run the lab's upstream services (httpbin.lab, echo.lab, slow.lab, closer.lab, redis.lab) for the instances' cosockets")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format` on stderr: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "least `level` logged: debug, info, warn, error")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM or SIGINT, how long requests in flight may take before the instances are stopped")

	c := &serveConfig{fs: fs, opts: o, fromEnv: map[string]string{}}
	fs.Usage = func() { c.usage(fs.Output()) }
	return c
}

// usage documents every flag with its environment variable and default.
func (c *serveConfig) usage(w io.Writer) {
	fmt.Fprintf(w, `usage: restylab serve [flags]

Serves the browser lab: one sandboxed instance per learner session. Every flag
can also be given by its environment variable (%sFLAG_NAME); a flag on the
command line wins over the variable. Sizes take KiB, MiB, GiB (or K, M, G);
durations 90s, 15m, 1h. This machine: %s of memory, %d cores.

`, envPrefix, humanSize(c.opts.machine.memory), c.opts.machine.cpus)
	c.fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n        %s\n        env %s", line, usage, envName(f.Name))
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && !secretFlag(f.Name) {
			fmt.Fprintf(w, "; default %s", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func secretFlag(name string) bool { return name == "teacher-password" || name == "join-code" }

// parse reads the environment (getenv), then args, then checks the values
// and fills the sized defaults. An error names the flag or the variable
// that holds the bad value.
func (c *serveConfig) parse(args []string, getenv func(string) string) (*serveOptions, error) {
	var envErr error
	c.fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if v == "" || envErr != nil {
			return
		}
		if err := c.fs.Set(f.Name, v); err != nil {
			envErr = fmt.Errorf("%s=%q: invalid value for --%s: %v", envName(f.Name), v, f.Name, err)
			return
		}
		c.fromEnv[f.Name] = envName(f.Name)
	})
	if envErr != nil {
		return nil, envErr
	}
	onCommandLine := map[string]bool{}
	c.fs.VisitAll(func(f *flag.Flag) { f.Value = trackedValue{f.Value, f.Name, onCommandLine} })
	if err := c.fs.Parse(args); err != nil {
		return nil, err
	}
	if c.fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags start with --)", c.fs.Arg(0))
	}
	where := func(name string) string {
		if !onCommandLine[name] && c.fromEnv[name] != "" {
			return c.fromEnv[name]
		}
		return "--" + name
	}
	o := c.opts
	sb := &o.cfg.Sandbox
	var errs []error
	bad := func(name string, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s %s: %s", where(name), c.fs.Lookup(name).Value.String(), fmt.Sprintf(format, args...)))
	}
	if sb.MaxInstances < 0 {
		bad("max-instances", "want 1 or more (0: sized from the machine)")
	}
	if sb.IdleTimeout < time.Second {
		bad("idle-timeout", "want at least 1s")
	}
	if sb.MemoryLimit < 32<<20 {
		bad("memory-limit", "want at least 32MiB")
	}
	if sb.CgroupMemory < 32<<20 {
		bad("cgroup-memory", "want at least 32MiB")
	}
	if sb.CgroupCPUs <= 0 {
		bad("cgroup-cpus", "want more than 0")
	}
	if sb.OpenFiles < 64 {
		bad("open-files", "want at least 64")
	}
	if sb.CPUBudget <= 0 {
		bad("cpu-budget", "want more than 0")
	}
	if sb.CPUPerMinute <= 0 {
		bad("cpu-per-minute", "want more than 0")
	}
	if sb.MaxWorkers < 1 {
		bad("max-workers", "want 1 or more")
	}
	if o.cfg.MaxBurst < 1 {
		bad("max-burst", "want 1 or more")
	}
	if sb.Nice < 1 || sb.Nice > 19 {
		bad("nice", "want 1..19")
	}
	if p := o.cfg.BasePath; p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, "?#% ")) {
		bad("base-path", "want a path such as /lab: a leading slash, no trailing one, no . or .. segment")
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		bad("log-format", "want text or json")
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		bad("log-level", "want debug, info, warn or error")
	}
	if o.shutdownTimeout <= 0 {
		bad("shutdown-timeout", "want more than 0")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if sb.MaxInstances == 0 {
		sb.MaxInstances = autoMaxInstances(o.machine, sb.MemoryLimit)
	}
	return o, nil
}

// trackedValue notes the flags the command line sets.
type trackedValue struct {
	flag.Value
	name string
	set  map[string]bool
}

func (v trackedValue) Set(s string) error {
	v.set[v.name] = true
	return v.Value.Set(s)
}

// IsBoolFlag keeps --flag (without =true) working for boolean flags.
func (v trackedValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// autoMaxInstances sizes --max-instances from the machine: what memory is
// left after the lab's own share, over one instance's memory limit.
func autoMaxInstances(m machine, perInstance int64) int {
	n := int((m.memory - labReserve) / max(perInstance, 1))
	return min(max(n, minAutoInstances), maxAutoInstances)
}

// byteSize is a flag.Value of a size in bytes: "256MiB", "1G", "4096".
type byteSize struct{ p *int64 }

func (b byteSize) String() string {
	if b.p == nil {
		return ""
	}
	return formatSize(*b.p)
}

func (b byteSize) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b.p = n
	return nil
}

// parseSize reads "512MiB", "512M", "1.5GiB", "4096" (bytes).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*mult > 1<<62 {
		return 0, fmt.Errorf("size %q: want a number of bytes or one with KiB, MiB, GiB", s)
	}
	return int64(f * mult), nil
}

// formatSize writes n in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	if n >= 10<<20 {
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(n, 10)
}

// humanSize writes n in GiB with one decimal (MiB below 1 GiB).
func humanSize(n int64) string {
	if n < 1<<30 {
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + "GiB"
}

// unknownEnv lists the RESTYLAB_ variables of the environment that name no
// flag (a typo would otherwise go unnoticed).
func (c *serveConfig) unknownEnv(environ []string) []string {
	known := map[string]bool{}
	c.fs.VisitAll(func(f *flag.Flag) { known[envName(f.Name)] = true })
	// variables the lab's tests and CI read; not `serve` settings
	for _, v := range []string{"RESTYLAB_REQUIRE_BROWSER", "RESTYLAB_REQUIRE_ORACLE", "RESTYLAB_SCREENSHOTS", "RESTYLAB_CHROMIUM", "RESTYLAB_DIFF_ENGINE"} {
		known[v] = true
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, envPrefix) && !known[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
