package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wallet-operator/wallet-operator/internal/manifests"
)

// ReadmeYAML decodes the first yaml block of the README after the heading
// (such as "## Modern passes"): what a reader copies, as printed.
func ReadmeYAML(t testing.TB, heading string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("the README has no heading %q", heading)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatalf("the README has no yaml block under %q", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	objs, err := manifests.Decode(strings.NewReader(block))
	if err != nil {
		t.Fatalf("the yaml under %q: %v", heading, err)
	}
	return objs
}
