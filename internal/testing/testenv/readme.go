package testenv

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wallet-operator/wallet-operator/internal/manifests"
)

// DocYAML decodes the first yaml block of a document of the repository
// (such as "docs/passes.md") after the heading (such as "# Modern
// passes"): what a reader copies, as printed.
func DocYAML(t testing.TB, doc, heading string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(RepoRoot(), doc))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut("\n"+string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", doc, heading)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatalf("%s has no yaml block under %q", doc, heading)
	}
	block, _, _ = strings.Cut(block, "```")
	objs, err := manifests.Decode(strings.NewReader(block))
	if err != nil {
		t.Fatalf("the yaml under %q: %v", heading, err)
	}
	return objs
}

// ShellCommand is one command of a document's shell blocks, continuation
// lines joined, with the heading it is under.
type ShellCommand struct {
	Heading, Line string
}

var (
	shellBlock = regexp.MustCompile("(?s)```(?:sh|bash|shell)\n(.*?)```")
	heading    = regexp.MustCompile(`(?m)^#{1,6} .*$`)
)

// ShellCommands returns the commands in file's shell blocks, in order
// (comment and empty lines left out).
func ShellCommands(t testing.TB, file string) []ShellCommand {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var cmds []ShellCommand
	for _, m := range shellBlock.FindAllStringSubmatchIndex(text, -1) {
		under := ""
		if hs := heading.FindAllString(text[:m[0]], -1); len(hs) > 0 {
			under = hs[len(hs)-1]
		}
		sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(text[m[2]:m[3]], "\\\n", " ")))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmds = append(cmds, ShellCommand{Heading: under, Line: line})
		}
	}
	return cmds
}
