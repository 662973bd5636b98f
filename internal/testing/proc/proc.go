// Package proc is what tests need of processes: the binary built as it is
// deployed, a free loopback address for it to listen on, and its peak
// resident memory.
package proc

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FreeAddress is a loopback address nothing listens on.
func FreeAddress(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// PeakRSS is a process's high-water resident set size in bytes (VmHWM);
// 0 when it cannot be read.
func PeakRSS(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb << 10
		}
	}
	return 0
}

// ResetPeakRSS starts a process's high-water mark again from what it holds
// now (clear_refs), so a run reports its own peak.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// Binary builds the wallet-operator binary of the repository at root into
// a temporary directory of t, as it is deployed, and returns its path.
func Binary(t testing.TB, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wallet-operator")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
