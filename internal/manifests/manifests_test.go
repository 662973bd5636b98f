package manifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeSkipsEmptyDocuments(t *testing.T) {
	objs, err := Decode(strings.NewReader("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetKind() != "ConfigMap" || objs[1].GetName() != "b" {
		t.Fatalf("got %d objects: %v", len(objs), objs)
	}
}

func TestReadKustomizationKeepsOrderAndNamesBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kustomization.yaml", "resources:\n  - b.yaml\n  - a.yaml\n")
	write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
	write("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
	objs, err := ReadKustomization(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetName() != "b" || objs[1].GetName() != "a" {
		t.Fatalf("want b then a, got %v", objs)
	}
	write("a.yaml", "apiVersion: v1\nkind: [\n")
	if _, err := ReadKustomization(dir); err == nil || !strings.Contains(err.Error(), "a.yaml") {
		t.Fatalf("a broken file should be named in the error, got %v", err)
	}
}
