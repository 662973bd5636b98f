package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Tool is the path of a command-line tool a test needs (kubectl, chromium,
// pdftotext, ...). Without it the test is skipped, but under CI (CI set),
// which installs every tool with hack/install-test-tools.sh, it fails: a
// missing tool never turns a CI run green by skipping.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: .ci/run installs it with hack/install-test-tools.sh", name)
		}
		t.Skipf("%s is not installed (hack/install-test-tools.sh installs it)", name)
	}
	return path
}
