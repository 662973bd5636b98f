// Package docs checks that the documentation tells the truth about the
// tree.
package docs

import (
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestLayoutTableMatchesTree: every Go package of the module has a row (or
// is named in one) in the Layout table of docs/architecture.md, and every
// directory the table's first column names exists.
func TestLayoutTableMatchesTree(t *testing.T) {
	readme, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := layoutRows(t, string(readme))

	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/wallet-operator/wallet-operator/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root = path.Dir(path.Dir(root))
	for _, dir := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(dir, root), "/")
		if rel == "" {
			rel = "main.go"
		}
		if !covered(rows, rel) {
			t.Errorf("package %s has no row in the Layout table of docs/architecture.md", rel)
		}
	}

	firstCell := regexp.MustCompile("`([^`]+/)`")
	for _, row := range rows {
		cell := strings.SplitN(row, "|", 3)[1]
		prefix := ""
		for i, m := range firstCell.FindAllStringSubmatch(cell, -1) {
			p := m[1]
			if i == 0 {
				prefix = path.Dir(strings.TrimSuffix(p, "/")) + "/"
			} else if prefix != "./" {
				p = prefix + p
			}
			if _, err := os.Stat("../../" + p); err != nil {
				t.Errorf("the Layout table names %s, which does not exist", p)
			}
		}
	}
}

// layoutRows returns the table rows under "## Layout".
func layoutRows(t *testing.T, readme string) []string {
	_, section, ok := strings.Cut(readme, "\n## Layout\n")
	if !ok {
		t.Fatal("docs/architecture.md has no ## Layout section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	if len(rows) == 0 {
		t.Fatal("the Layout section has no table")
	}
	return rows
}

// covered: the table names rel (`rel/` or `rel`), or a row whose first
// path is a sibling's names its last element (`internal/cmd/demo/`,
// `manager/`).
func covered(rows []string, rel string) bool {
	parent, base := path.Dir(rel), path.Base(rel)
	for _, row := range rows {
		if strings.Contains(row, "`"+rel+"/`") || strings.Contains(row, "`"+rel+"`") {
			return true
		}
		cell := strings.SplitN(row, "|", 3)[1]
		if (strings.Contains(cell, "`"+parent+"/") || strings.Contains(row, "`"+parent+"/`")) && strings.Contains(row, "`"+base+"/`") {
			return true
		}
	}
	return false
}
