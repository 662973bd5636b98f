package kube

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCgroupMemoryLimit(t *testing.T) {
	for name, c := range map[string]struct {
		file, content string
		want          int64
	}{
		"v2 limited":   {"memory.max", "536870912\n", 536870912},
		"v2 unlimited": {"memory.max", "max\n", 0},
		"v1 limited":   {"memory/memory.limit_in_bytes", "268435456\n", 268435456},
		"v1 unlimited": {"memory/memory.limit_in_bytes", "9223372036854771712\n", 0},
		"none":         {"", "", 0},
	} {
		root := t.TempDir()
		if c.file != "" {
			path := filepath.Join(root, c.file)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := cgroupMemoryLimit(root); got != c.want {
			t.Errorf("%s: %d; want %d", name, got, c.want)
		}
	}
}
