package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
)

// docs are the documents whose shell blocks run as printed, in this order:
// the README, then docs/.
var docs = []string{"README.md", "docs/cli.md", "docs/operations.md", "docs/stores.md", "docs/google-wallet.md",
	"docs/security.md", "docs/configuration.md", "docs/architecture.md", "docs/passes.md"}

// notRunHere are the documents' commands this test does not run, and why.
// Every other command in their shell blocks runs as printed.
var notRunHere = map[string]string{
	"make demo":    "the demo this test runs is that command's (and .ci/run runs `make demo` itself)",
	"make test":    "this test is part of it",
	"make build":   "the test builds the binary itself",
	"helm install": "test/release runs it against a local release in a local OCI registry",
}

// elsewhere are the sections whose commands another test runs, and which.
var elsewhere = map[string]string{
	"## Your Apple certificate": "internal/cmd/certificate runs them with a stand-in for Apple",
	"### Upgrade":               "test/release runs it against two local releases",
	"### Uninstall":             "test/release runs it after installing a local release (it would uninstall the demo)",
	"### With Helm":             "test/release runs it against a local release in a local OCI registry",
	"## A real iPhone":          "needs what this machine has not: a public HTTPS address (cert-manager and an ACME issuer, or a tunnel) and a phone",
}

func skipReason(c testenv.ShellCommand) (string, bool) {
	if why, ok := elsewhere[c.Heading]; ok {
		return why, true
	}
	if strings.Contains(c.Line, "/releases/download/") {
		return "test/release runs it against a local release", true
	}
	cmd := c.Line
	for prefix, why := range notRunHere {
		if cmd == prefix || strings.HasPrefix(cmd, prefix+" ") {
			return why, true
		}
	}
	return "", false
}

// runReadme runs every README command it can, as printed, against the
// running demo: in a directory where bin/wallet-operator is the binary,
// config/ the repository's, demo-out/ the demo's output, with KUBECONFIG
// the demo's and kubectl-wallet on PATH.
func runReadme(t *testing.T, out string) {
	repo := testenv.RepoRoot()
	kubectl := testenv.Tool(t, "kubectl")
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "wallet-operator"), ".")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for link, target := range map[string]string{
		filepath.Join(bin, "kubectl-wallet"): filepath.Join(bin, "wallet-operator"),
		filepath.Join(work, "config"):        filepath.Join(repo, "config"),
		filepath.Join(work, "demo-out"):      out,
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "KUBECONFIG="+filepath.Join(out, "kubeconfig"), "PATH="+bin+":"+filepath.Dir(kubectl)+":"+os.Getenv("PATH"))
	ran := 0
	var cmds []testenv.ShellCommand
	for _, doc := range docs {
		cmds = append(cmds, testenv.ShellCommands(t, filepath.Join(repo, doc))...)
	}
	for _, c := range cmds {
		cmd := c.Line
		if why, skip := skipReason(c); skip {
			t.Logf("not run: %s (%s)", cmd, why)
			continue
		}
		sh := exec.Command("bash", "-o", "pipefail", "-c", cmd)
		sh.Dir, sh.Env = work, env
		start := time.Now()
		output, err := sh.CombinedOutput()
		if err != nil {
			t.Errorf("README command failed: %s\n%v after %s\n%s", cmd, err, time.Since(start).Round(time.Millisecond), output)
			continue
		}
		ran++
	}
	if ran < 30 {
		t.Errorf("only %d README commands ran", ran)
	}
}
