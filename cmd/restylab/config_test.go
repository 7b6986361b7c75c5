package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env is a fake environment for serveConfig.parse.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

var testMachine = machine{memory: 8 << 30, cpus: 4}

// TestServeConfig parses environments and command lines as an operator
// writes them: each variable sets its flag, a flag wins over its variable,
// and the values reach the lab's configuration.
func TestServeConfig(t *testing.T) {
	tests := []struct {
		name  string
		env   func(string) string
		args  []string
		check func(t *testing.T, o *serveOptions)
	}{
		{"defaults", env(), nil, func(t *testing.T, o *serveOptions) {
			if o.addr != ":8080" || o.cfg.DataDir != "restylab-data" || o.cfg.Sandbox.IdleTimeout != 15*time.Minute || !o.testserver {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{"environment", env(
			"RESTYLAB_ADDR", "127.0.0.1:9000",
			"RESTYLAB_DATA", "/data",
			"RESTYLAB_MAX_INSTANCES", "60",
			"RESTYLAB_IDLE_TIMEOUT", "5m",
			"RESTYLAB_MEMORY_LIMIT", "512MiB",
			"RESTYLAB_CGROUP_MEMORY", "1G",
			"RESTYLAB_JOIN_CODE", "blue-42",
			"RESTYLAB_TEACHER_PASSWORD", "s3cret",
			"RESTYLAB_BASE_PATH", "/lab",
			"RESTYLAB_TRUST_PROXY", "true",
			"RESTYLAB_TESTSERVER", "false",
			"RESTYLAB_LOG_FORMAT", "json",
		), nil, func(t *testing.T, o *serveOptions) {
			sb := o.cfg.Sandbox
			if o.addr != "127.0.0.1:9000" || o.cfg.DataDir != "/data" || sb.MaxInstances != 60 || sb.IdleTimeout != 5*time.Minute ||
				sb.MemoryLimit != 512<<20 || sb.CgroupMemory != 1<<30 || o.cfg.JoinCode != "blue-42" || o.cfg.TeacherPassword != "s3cret" ||
				o.cfg.BasePath != "/lab" || !o.cfg.TrustProxy || o.testserver || o.logFormat != "json" {
				t.Errorf("from the environment: %+v", o)
			}
		}},
		{"a flag wins over its variable", env("RESTYLAB_MAX_INSTANCES", "60", "RESTYLAB_ADDR", ":9000"),
			[]string{"--max-instances", "12"}, func(t *testing.T, o *serveOptions) {
				if o.cfg.Sandbox.MaxInstances != 12 || o.addr != ":9000" {
					t.Errorf("max-instances %d addr %s, want 12 (the flag) and :9000 (the variable)", o.cfg.Sandbox.MaxInstances, o.addr)
				}
			}},
		{"flags", env(), []string{"--addr=:7000", "--data", "d", "--idle-timeout", "90s", "--cgroup-parent", "off", "--nice", "5", "--base-path", "/a/b"},
			func(t *testing.T, o *serveOptions) {
				if o.addr != ":7000" || o.cfg.DataDir != "d" || o.cfg.Sandbox.IdleTimeout != 90*time.Second || o.cfg.Sandbox.CgroupParent != "off" ||
					o.cfg.Sandbox.Nice != 5 || o.cfg.BasePath != "/a/b" {
					t.Errorf("from flags: %+v", o)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o, err := newServeConfig(&stderr, testMachine).parse(tt.args, tt.env)
			if err != nil {
				t.Fatalf("%v; stderr %s", err, stderr.String())
			}
			tt.check(t, o)
		})
	}
}

// TestServeConfigErrors: a bad value is refused with the flag or the
// variable that holds it, and why.
func TestServeConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  func(string) string
		args []string
		want string
	}{
		{"not a number in the environment", env("RESTYLAB_MAX_INSTANCES", "many"), nil, `RESTYLAB_MAX_INSTANCES="many": invalid value for --max-instances`},
		{"not a duration in the environment", env("RESTYLAB_IDLE_TIMEOUT", "15"), nil, `RESTYLAB_IDLE_TIMEOUT="15": invalid value for --idle-timeout`},
		{"not a size", env(), []string{"--memory-limit", "lots"}, `invalid value "lots" for flag -memory-limit: size "lots": want a number of bytes or one with KiB, MiB, GiB`},
		{"negative instances from the environment", env("RESTYLAB_MAX_INSTANCES", "-3"), nil, "RESTYLAB_MAX_INSTANCES -3: want 1 or more"},
		{"negative instances on the command line", env("RESTYLAB_MAX_INSTANCES", "5"), []string{"--max-instances=-3"}, "--max-instances -3: want 1 or more"},
		{"memory limit too small", env("RESTYLAB_MEMORY_LIMIT", "1MiB"), nil, "RESTYLAB_MEMORY_LIMIT 1MiB: want at least 32MiB"},
		{"nice out of range", env(), []string{"--nice", "40"}, "--nice 40: want 1..19"},
		{"base path with a trailing slash", env("RESTYLAB_BASE_PATH", "/lab/"), nil, "RESTYLAB_BASE_PATH /lab/: want a path such as /lab"},
		{"base path without a leading slash", env(), []string{"--base-path", "lab"}, "--base-path lab: want a path such as /lab"},
		{"log format", env("RESTYLAB_LOG_FORMAT", "xml"), nil, "RESTYLAB_LOG_FORMAT xml: want text or json"},
		{"two bad values", env("RESTYLAB_NICE", "0", "RESTYLAB_MAX_BURST", "0"), nil, "RESTYLAB_MAX_BURST 0: want 1 or more\nRESTYLAB_NICE 0: want 1..19"},
		{"a stray argument", env(), []string{"8080"}, `unexpected argument "8080"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := newServeConfig(&stderr, testMachine).parse(tt.args, tt.env)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := err.Error() + "\n" + stderr.String(); !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want it to say %q", got, tt.want)
			}
		})
	}
}

// TestServeDefaultsFromMachine: what is not set is sized from the machine's
// memory and cores.
func TestServeDefaultsFromMachine(t *testing.T) {
	tests := []struct {
		name          string
		m             machine
		env           func(string) string
		wantInstances int
		wantWorkers   int
		wantCPUs      float64
	}{
		{"8 GiB, 4 cores", machine{8 << 30, 4}, env(), (8<<30 - 512<<20) / (256 << 20), 2, 1},
		{"64 GiB, 16 cores", machine{64 << 30, 16}, env(), (64<<30 - 512<<20) / (256 << 20), 2, 1},
		{"1 GiB, 1 core", machine{1 << 30, 1}, env(), 2, 1, 1},
		{"a larger memory limit, fewer instances", machine{8 << 30, 4}, env("RESTYLAB_MEMORY_LIMIT", "1GiB"), 7, 2, 1},
		{"a huge machine is capped", machine{1 << 40, 64}, env(), 500, 2, 1},
		{"set by hand", machine{8 << 30, 4}, env("RESTYLAB_MAX_INSTANCES", "3"), 3, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := newServeConfig(&bytes.Buffer{}, tt.m).parse(nil, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			sb := o.cfg.Sandbox
			if sb.MaxInstances != tt.wantInstances || sb.MaxWorkers != tt.wantWorkers || sb.CgroupCPUs != tt.wantCPUs {
				t.Errorf("max-instances %d, max-workers %d, cgroup-cpus %g; want %d, %d, %g", sb.MaxInstances, sb.MaxWorkers, sb.CgroupCPUs, tt.wantInstances, tt.wantWorkers, tt.wantCPUs)
			}
		})
	}

	// the machine is read from /proc/meminfo and the cgroup's limit
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := memTotal(write("meminfo", "MemTotal:       24683548 kB\nMemFree:        1 kB\n")); got != 24683548<<10 {
		t.Errorf("memTotal = %d", got)
	}
	for text, want := range map[string]int64{"2147483648\n": 2 << 30, "max\n": 0, "9223372036854771712\n": 0} {
		if got := cgroupMemoryLimit(write("memory.max", text)); got != want {
			t.Errorf("cgroupMemoryLimit(%q) = %d, want %d", text, got, want)
		}
	}
	if m := detectMachine(); m.memory <= 0 || m.cpus < 1 {
		t.Errorf("detectMachine() = %+v", m)
	}
}

// TestServeHelp: --help documents every flag with its variable.
func TestServeHelp(t *testing.T) {
	var out bytes.Buffer
	c := newServeConfig(&out, testMachine)
	if _, err := c.parse([]string{"--help"}, env()); err != flag.ErrHelp {
		t.Fatalf("--help: %v", err)
	}
	help := out.String()
	n := 0
	c.fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(help, "--"+f.Name) || !strings.Contains(help, "env "+envName(f.Name)) {
			t.Errorf("--help does not document --%s and %s", f.Name, envName(f.Name))
		}
	})
	if n < 20 || !strings.Contains(help, "a flag on the\ncommand line wins") && !strings.Contains(help, "command line wins") {
		t.Errorf("%d flags; help:\n%s", n, help)
	}
	if strings.Contains(help, "s3cret") {
		t.Error("help shows a secret")
	}
	if got := c.unknownEnv([]string{"RESTYLAB_MAX_INSTANCE=3", "RESTYLAB_ADDR=:1", "HOME=/"}); len(got) != 1 || got[0] != "RESTYLAB_MAX_INSTANCE" {
		t.Errorf("unknownEnv = %q", got)
	}
}
