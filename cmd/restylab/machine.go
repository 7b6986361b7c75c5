package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// machine is what the defaults of `serve` are sized from.
type machine struct {
	memory int64 // bytes the lab may use: the least of RAM and its cgroup's limit
	cpus   int   // cores the lab may use (GOMAXPROCS: the affinity mask and the cgroup's CPU quota)
}

// detectMachine reads the machine's memory from /proc/meminfo and the
// limit of the lab's cgroup (a container's --memory), whichever is less.
func detectMachine() machine {
	m := machine{memory: memTotal("/proc/meminfo"), cpus: max(runtime.GOMAXPROCS(0), 1)}
	for _, f := range []string{
		"/sys/fs/cgroup/memory.max",                   // cgroup v2, the container's own namespace
		"/sys/fs/cgroup/memory/memory.limit_in_bytes", // cgroup v1
	} {
		if lim := cgroupMemoryLimit(f); lim > 0 && (m.memory == 0 || lim < m.memory) {
			m.memory = lim
		}
	}
	if m.memory <= 0 {
		m.memory = 2 << 30 // unknown: assume a small machine
	}
	return m
}

// memTotal is MemTotal of a meminfo file, in bytes (0 when unreadable).
func memTotal(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			f := strings.Fields(rest) // "24683712 kB"
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}

// cgroupMemoryLimit reads a cgroup memory limit file: 0 for "max", for
// cgroup v1's "no limit" (a number near 2^63) and when unreadable.
func cgroupMemoryLimit(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0
	}
	return n
}
