package kube

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// SetMemoryLimit gives Go's garbage collector the container's memory
// limit (90 % of it, from the cgroup), so the heap is collected harder as
// it nears the limit instead of the container being killed; GOMEMLIMIT,
// when set, wins. It returns the limit set, 0 when none.
func SetMemoryLimit() int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := cgroupMemoryLimit("/sys/fs/cgroup")
	if limit <= 0 {
		return 0
	}
	limit = limit / 10 * 9
	debug.SetMemoryLimit(limit)
	return limit
}

// cgroupMemoryLimit reads the memory limit of cgroup v2 (memory.max) or v1
// (memory/memory.limit_in_bytes) under root; 0 when unlimited or unknown.
func cgroupMemoryLimit(root string) int64 {
	for _, file := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		data, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		// "max" (v2) and a page-rounded MaxInt64 (v1) mean no limit.
		if err != nil || v <= 0 || v >= 1<<62 {
			return 0
		}
		return v
	}
	return 0
}
