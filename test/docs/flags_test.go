package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wallet-operator/wallet-operator/internal/cmd/root"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
)

// kubectlFlags are flags the documentation shows on kubectl (and kustomize,
// helm, curl and cloudflared's tunnel) command lines, and kube-apiserver's
// the README explains, not on wallet-operator's.
var kubectlFlags = []string{"field-selector", "from-file", "from-literal", "server-side", "no-headers", "overwrite", "as", "type", "dry-run", "output",
	"all", "for", "ignore-not-found", "timeout", "wait", "role", "serviceaccount", "show-managed-fields", "url", "set",
	"fail-with-body", "version", "emulated-version"}

// flagsOf collects every flag of every command of the binary, by command.
func flagsOf(cmd *cobra.Command, into map[string][]string) {
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	add := func(f *pflag.Flag) { into[name] = append(into[name], f.Name) }
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	for _, sub := range cmd.Commands() {
		flagsOf(sub, into)
	}
}

// mention is a --flag written in prose or a command line, not a prefix
// such as --webhook-* nor part of a longer word.
var mention = regexp.MustCompile(`(?:^|[^\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?:[^\w*-]|$)`)

// Every flag the README, docs/ and config/ name exists on the binary
// (issue 26, item 8: a documented flag did not exist, and two the manager
// parsed went nowhere), and the Deployments' arguments parse with the
// command they run.
func TestDocumentedFlagsExist(t *testing.T) {
	byCommand := map[string][]string{}
	flagsOf(root.Command("wallet-operator"), byCommand)
	known := map[string]bool{}
	for _, flags := range byCommand {
		for _, f := range flags {
			known[f] = true
		}
	}
	for _, f := range kubectlFlags {
		known[f] = true
	}
	known["help"] = true // every command's, added by cobra when it runs
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "docs", "*.md"))
	files = append(files, filepath.Join(repoRoot(t), "README.md"))
	_ = filepath.WalkDir(filepath.Join(repoRoot(t), "config"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".md")) {
			files = append(files, p)
		}
		return nil
	})
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var unknown []string
		for _, m := range mention.FindAllStringSubmatch(string(data), -1) {
			if !known[m[1]] && !slices.Contains(unknown, m[1]) {
				unknown = append(unknown, m[1])
			}
		}
		sort.Strings(unknown)
		if len(unknown) > 0 {
			rel, _ := filepath.Rel(repoRoot(t), file)
			t.Errorf("%s names flags no command has: --%s", rel, strings.Join(unknown, ", --"))
		}
	}

	// The Deployments' arguments, as the container runs them.
	for _, file := range []string{"config/manager/manager.yaml", "config/webservice/deployment.yaml"} {
		objs, err := manifests.ReadFile(filepath.Join(repoRoot(t), file))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GetKind() != "Deployment" {
				continue
			}
			containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			for _, c := range containers {
				args, _, _ := unstructured.NestedStringSlice(c.(map[string]any), "args")
				if len(args) == 0 {
					continue
				}
				cmd, rest, err := root.Command("wallet-operator").Find(args)
				if err != nil || cmd.Name() != args[0] {
					t.Errorf("%s: %v does not name a command (%v)", file, args, err)
					continue
				}
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("%s: the %s container's arguments: %v", file, cmd.Name(), err)
				}
			}
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
