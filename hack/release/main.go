// Command release builds a release of wallet-operator offline into one
// directory (make release VERSION=vX.Y.Z, into dist/):
//
//   - install.yaml: config/default with the image pinned to the version,
//     the Namespace and CRDs first, every object labelled with the version;
//   - <component>.yaml for s3, postgres, google-wallet, prometheus,
//     networkpolicy: the objects that component adds to or changes in
//     install.yaml, rendered whole, to apply after it;
//   - wallet-operator-<semver>.tgz: the Helm chart, generated from the
//     kustomize builds of those components (chart.go); make publish-chart
//     pushes it to an OCI registry (helm push);
//   - wallet-operator_<version>_<os>_<arch>.tar.gz for each platform: the
//     binary (also the kubectl plugin, through the krew manifest's file
//     mapping) and LICENSE;
//   - wallet.yaml: the krew plugin manifest for every platform, with each
//     archive's sha256;
//   - sbom.cdx.json: a CycloneDX SBOM of the modules linked into the
//     binary (cyclonedx-gomod, from the Go module proxy);
//   - checksums.txt: the sha256 of every file above.
//
// It runs the kustomize library (already the tests') and the go command;
// nothing is downloaded except through the module proxy.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const (
	module    = "github.com/wallet-operator/wallet-operator"
	image     = "ghcr.io/wallet-operator/wallet-operator"
	sbomTool  = "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0"
	releases  = "https://github.com/wallet-operator/wallet-operator/releases/download"
	versionRe = `^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`
)

// components are config/components, config/prometheus and
// config/networkpolicy: each released as a file of its own (file.yaml),
// and switched in the Helm chart by a value (value.enabled), in the order
// of their bits in a combination (chart.go).
var components = []struct{ file, value, dir string }{
	{"s3", "s3", "config/components/s3"},
	{"postgres", "postgres", "config/components/postgres"},
	{"google-wallet", "googleWallet", "config/components/google-wallet"},
	{"prometheus", "prometheus", "config/prometheus"},
	{"networkpolicy", "networkPolicy", "config/networkpolicy"},
	{"admission-policy", "admissionPolicy", "config/components/admission-policy"},
}

func main() {
	version := flag.String("version", "", "The release's version, a semantic version with a v (v0.1.0).")
	revision := flag.String("revision", "", "The commit released (default: git rev-parse HEAD).")
	out := flag.String("out", "dist", "Directory to write the release into (emptied first).")
	platforms := flag.String("platforms", "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64", "Comma-separated GOOS/GOARCH pairs to build.")
	sbom := flag.Bool("sbom", true, "Write sbom.cdx.json (builds cyclonedx-gomod from the module proxy once).")
	flag.Parse()
	var list []string
	if *platforms != "" {
		list = strings.Split(*platforms, ",")
	}
	if err := run(*version, *revision, *out, list, *sbom); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version, revision, out string, platforms []string, sbom bool) error {
	if !regexp.MustCompile(versionRe).MatchString(version) {
		return fmt.Errorf("VERSION=%q is not a semantic version with a v, such as v0.1.0", version)
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if revision == "" {
		rev, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
		if err != nil {
			return fmt.Errorf("find the revision (pass -revision): %w", err)
		}
		revision = strings.TrimSpace(string(rev))
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	step := func(what string) { fmt.Fprintf(os.Stderr, "release %s: %s\n", version, what) }

	step("install.yaml and the components")
	if err := writeManifests(root, out, version); err != nil {
		return err
	}
	step("Helm chart")
	if err := writeChart(root, out, version); err != nil {
		return err
	}
	var archives []archive
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok {
			return fmt.Errorf("platform %q is not GOOS/GOARCH", p)
		}
		step("binary for " + goos + "/" + goarch)
		a, err := buildArchive(root, out, version, revision, goos, goarch)
		if err != nil {
			return err
		}
		archives = append(archives, a)
	}
	step("krew manifest")
	if err := writeKrewManifest(out, version, archives); err != nil {
		return err
	}
	if sbom {
		step("SBOM")
		if err := writeSBOM(root, out, version); err != nil {
			return err
		}
	}
	step("checksums")
	return writeChecksums(out)
}

// repoRoot is the directory of this module's go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the module (run from the repository): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// kustomization renders the kustomization text placed in a directory of
// its own under the repository (so relative bases resolve as in config/).
func kustomize(root, text string) ([]*resource.Resource, error) {
	dir, err := os.MkdirTemp(root, ".release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(text), 0o644); err != nil {
		return nil, err
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	return m.Resources(), nil
}

// overlay is config/default with the image pinned and the given components.
func overlay(version string, componentDirs ...string) string {
	// The namespace again: config/default's applies to its own objects,
	// not to those a component adds here.
	s := "namespace: wallet-operator-system\nresources: [../config/default]\n"
	if len(componentDirs) > 0 {
		s += "components:\n"
		for _, c := range componentDirs {
			s += "  - ../" + c + "\n"
		}
	}
	return s + fmt.Sprintf("images:\n  - name: %s\n    newTag: %s\n", image, version)
}

func writeManifests(root, out, version string) error {
	base, err := kustomize(root, overlay(version))
	if err != nil {
		return fmt.Errorf("kustomize build config/default: %w", err)
	}
	install, err := documents(base, version)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "install.yaml"), []byte(header("install.yaml", version, "")+strings.Join(install, "---\n")), 0o644); err != nil {
		return err
	}
	for _, c := range components {
		withComponent, err := kustomize(root, overlay(version, c.dir))
		if err != nil {
			return fmt.Errorf("kustomize build config/default with %s: %w", c.dir, err)
		}
		docs, err := documents(withComponent, version)
		if err != nil {
			return err
		}
		// What the component adds or changes: every document not already
		// in install.yaml as it is.
		var changed []string
		for _, d := range docs {
			if !slices.Contains(install, d) {
				changed = append(changed, d)
			}
		}
		if len(changed) == 0 {
			return fmt.Errorf("%s changes nothing in install.yaml", c.dir)
		}
		text := header(c.file+".yaml", version, "after install.yaml: the objects "+c.dir+" adds or changes, whole")
		if err := os.WriteFile(filepath.Join(out, c.file+".yaml"), []byte(text+strings.Join(changed, "---\n")), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func header(file, version, what string) string {
	s := fmt.Sprintf("# wallet-operator %s %s\n", version, file)
	if what != "" {
		s += "# Apply " + what + ".\n"
	}
	return s + "#   kubectl apply --server-side -f " + releases + "/" + version + "/" + file + "\n"
}

// order puts what others need first: the Namespace, then the CRDs.
func order(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	}
	return 2
}

// newClusterScoped are cluster-scoped kinds newer than kustomize's
// schema: its namespace transformer gives them the operator's namespace,
// which the API server would drop.
var newClusterScoped = map[string]bool{"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true}

// documents renders each object as a YAML document, labelled with the
// version (kubectl wallet version reads it from the Deployments), in the
// order of order.
func documents(resources []*resource.Resource, version string) ([]string, error) {
	rs := slices.Clone(resources)
	sort.SliceStable(rs, func(i, j int) bool { return order(rs[i].GetKind()) < order(rs[j].GetKind()) })
	var docs []string
	for _, r := range rs {
		labels := r.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels["app.kubernetes.io/version"] = version
		labels["app.kubernetes.io/part-of"] = "wallet-operator"
		if err := r.SetLabels(labels); err != nil {
			return nil, err
		}
		if newClusterScoped[r.GetKind()] {
			if err := r.SetNamespace(""); err != nil {
				return nil, err
			}
		}
		data, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		docs = append(docs, string(data))
	}
	return docs, nil
}

type archive struct {
	OS, Arch, File, SHA256 string
}

// buildArchive builds the binary for one platform with the Makefile's
// settings and packs it with LICENSE.
func buildArchive(root, out, version, revision, goos, goarch string) (archive, error) {
	a := archive{OS: goos, Arch: goarch, File: fmt.Sprintf("wallet-operator_%s_%s_%s.tar.gz", version, goos, goarch)}
	bin := filepath.Join(out, ".build", goos+"_"+goarch, "wallet-operator")
	ldflags := fmt.Sprintf("-s -w -X %s/internal/version.version=%s -X %s/internal/version.revision=%s", module, version, module, revision)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return a, fmt.Errorf("build for %s/%s: %w", goos, goarch, err)
	}
	defer os.RemoveAll(filepath.Join(out, ".build"))
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	// A fixed time: the same commit gives the same archive.
	mtime := time.Unix(0, 0).UTC()
	for _, f := range []struct{ name, path string }{{"wallet-operator", bin}, {"LICENSE", filepath.Join(root, "LICENSE")}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return a, err
		}
		mode := int64(0o644)
		if f.name == "wallet-operator" {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: mode, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return a, err
		}
		if _, err := tw.Write(data); err != nil {
			return a, err
		}
	}
	if err := tw.Close(); err != nil {
		return a, err
	}
	if err := gz.Close(); err != nil {
		return a, err
	}
	sum := sha256.Sum256(buf.Bytes())
	a.SHA256 = hex.EncodeToString(sum[:])
	return a, os.WriteFile(filepath.Join(out, a.File), buf.Bytes(), 0o644)
}

var krewManifest = template.Must(template.New("krew").Parse(`apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: wallet
spec:
  version: {{ .Version }}
  homepage: https://github.com/wallet-operator/wallet-operator
  shortDescription: Apple Wallet passes as Kubernetes resources
  description: |
    Works on the PassCertificates, PassTemplates and Passes of wallet-operator:
    status shows them as a tree with what is not Ready, find looks a pass up by
    the barcode a scanner read, fetch/verify/render handle .pkpass files,
    redeem/void/push change passes, open draws a pass's link as a QR code.
  platforms:
{{- range .Archives }}
    - selector:
        matchLabels:
          os: {{ .OS }}
          arch: {{ .Arch }}
      uri: {{ $.Releases }}/{{ $.Version }}/{{ .File }}
      sha256: {{ .SHA256 }}
      files:
        - from: wallet-operator
          to: kubectl-wallet
        - from: LICENSE
          to: .
      bin: kubectl-wallet
{{- end }}
`))

func writeKrewManifest(out, version string, archives []archive) error {
	var buf bytes.Buffer
	if err := krewManifest.Execute(&buf, map[string]any{"Version": version, "Archives": archives, "Releases": releases}); err != nil {
		return err
	}
	// It must stay YAML whatever the template's text becomes.
	var check map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &check); err != nil {
		return fmt.Errorf("krew manifest: %w", err)
	}
	return os.WriteFile(filepath.Join(out, "wallet.yaml"), buf.Bytes(), 0o644)
}

// writeSBOM lists the modules linked into the binary (cyclonedx-gomod's
// app mode reads the build's package graph, so test-only modules are not
// in it).
func writeSBOM(root, out, version string) error {
	abs, err := filepath.Abs(filepath.Join(out, "sbom.cdx.json"))
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "run", sbomTool, "app", "-json", "-licenses", "-main", ".", "-output", abs, ".")
	cmd.Dir = root
	// The tool runs go list with this environment: the release's settings
	// (no cgo, so the graph is the archives').
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cyclonedx-gomod: %w\n%s", err, stderr.String())
	}
	// The tool names the main module by its pseudo-version from git; the
	// release is the version given.
	data, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	var bom map[string]any
	if err := json.Unmarshal(data, &bom); err != nil {
		return fmt.Errorf("cyclonedx-gomod wrote no JSON: %w", err)
	}
	if meta, ok := bom["metadata"].(map[string]any); ok {
		if c, ok := meta["component"].(map[string]any); ok {
			c["version"] = version
			if purl, ok := c["purl"].(string); ok {
				base, _, _ := strings.Cut(purl, "@")
				c["purl"] = base + "@" + version
			}
		}
	}
	data, err = json.MarshalIndent(bom, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(abs, append(data, '\n'), 0o644)
}

func writeChecksums(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	var lines []string
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		// sha256sum's format: sha256sum -c checksums.txt checks them.
		lines = append(lines, hex.EncodeToString(sum[:])+"  "+e.Name())
	}
	return os.WriteFile(filepath.Join(out, "checksums.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
