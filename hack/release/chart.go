package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// writeChart writes the Helm chart wallet-operator-<version>.tgz,
// generated from the kustomize builds so the two cannot drift: each object
// is in the chart as it is in the builds whose components the values
// enable. Components that change objects are built in every combination;
// those that only add objects once each (today three of six: 16 kustomize
// builds instead of 64). The values
// change only what an install changes (the host, the image); the rest is
// the kustomize base's.
func writeChart(root, out, version string) error {
	build := func(dirs []string) ([]string, error) {
		rs, err := kustomize(root, overlay(version, dirs...))
		if err != nil {
			return nil, fmt.Errorf("kustomize build config/default with %v: %w", dirs, err)
		}
		return documents(rs, version)
	}
	// A component that only adds objects (each the same whatever else is
	// enabled) is switched on its own; the others change objects of the
	// base or of each other, and every combination of them is built.
	base, err := build(nil)
	if err != nil {
		return err
	}
	var combined, added []int // indexes into components
	own := map[int][]string{} // an adding component's documents
	for i, c := range components {
		docs, err := build([]string{c.dir})
		if err != nil {
			return err
		}
		extra, unchanged := beyond(base, docs)
		if !unchanged {
			combined = append(combined, i)
			continue
		}
		added = append(added, i)
		own[i] = extra
	}
	// ... checked with every other component enabled too.
	var all []string
	for _, c := range components {
		all = append(all, c.dir)
	}
	everything, err := build(all)
	if err != nil {
		return err
	}
	for _, i := range added {
		for _, d := range own[i] {
			if !slices.Contains(everything, d) {
				return fmt.Errorf("component %s adds a document that other components change: list it with the combined ones", components[i].dir)
			}
		}
	}

	type variant struct {
		doc    string
		combos []int
	}
	var keys []string
	variants := map[string][]*variant{}
	for combo := range 1 << len(combined) {
		var dirs []string
		for bit, i := range combined {
			if combo&(1<<bit) != 0 {
				dirs = append(dirs, components[i].dir)
			}
		}
		docs, err := build(dirs)
		if err != nil {
			return err
		}
		for _, d := range docs {
			key, err := docKey(d)
			if err != nil {
				return err
			}
			if !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
			i := slices.IndexFunc(variants[key], func(v *variant) bool { return v.doc == d })
			if i < 0 {
				variants[key] = append(variants[key], &variant{doc: d})
				i = len(variants[key]) - 1
			}
			variants[key][i].combos = append(variants[key][i].combos, combo)
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int { return order(kindOf(a)) - order(kindOf(b)) })

	combos := 1 << len(combined)
	var body strings.Builder
	body.WriteString("{{- $c := include \"wallet-operator.components\" . | atoi }}\n")
	for _, key := range keys {
		for _, v := range variants[key] {
			text := chartText(v.doc, version)
			if kindOf(key) == "CustomResourceDefinition" {
				text = "{{- if .Values.crds.install }}\n" + text + "{{- end }}\n"
			}
			if len(v.combos) == combos {
				body.WriteString("---\n" + text)
				continue
			}
			list := make([]string, len(v.combos))
			for i, c := range v.combos {
				list[i] = fmt.Sprint(c)
			}
			body.WriteString("{{- if has $c (list " + strings.Join(list, " ") + ") }}\n---\n" + text + "{{- end }}\n")
		}
	}
	for _, i := range added {
		for _, d := range own[i] {
			body.WriteString("{{- if .Values." + components[i].value + ".enabled }}\n---\n" + chartText(d, version) + "{{- end }}\n")
		}
	}

	helpers := "{{/* The combined components enabled, as the bits of a number (hack/release/chart.go). */}}\n" +
		"{{- define \"wallet-operator.components\" -}}\n{{- $n := 0 -}}\n"
	for bit, i := range combined {
		helpers += fmt.Sprintf("{{- if .Values.%s.enabled }}{{ $n = add $n %d }}{{ end -}}\n", components[i].value, 1<<bit)
	}
	helpers += "{{- $n -}}\n{{- end -}}\n"

	semver := strings.TrimPrefix(version, "v")
	files := map[string]string{
		"Chart.yaml": fmt.Sprintf(`apiVersion: v2
name: wallet-operator
description: Apple Wallet (and Google Wallet) passes as Kubernetes resources
type: application
version: %s
appVersion: %s
kubeVersion: ">= 1.33.0-0"
home: https://github.com/wallet-operator/wallet-operator
sources: [https://github.com/wallet-operator/wallet-operator]
license: Apache-2.0
`, semver, version),
		"values.yaml":                    valuesYAML,
		"templates/_helpers.tpl":         helpers,
		"templates/wallet-operator.yaml": body.String(),
		"templates/NOTES.txt": `wallet-operator {{ .Chart.AppVersion }} is installed in namespace wallet-operator-system.
Devices reach the web service at https://{{ .Values.host }}/passes.
Check it: kubectl -n wallet-operator-system get deploy,ingress
`,
	}
	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		return err
	}
	files["LICENSE"] = string(license)
	return writeTarGz(filepath.Join(out, "wallet-operator-"+semver+".tgz"), "wallet-operator", files)
}

const valuesYAML = `# The host devices reach the web service at: the Ingress's rule and TLS
# name (a certificate in Secret wallet-operator-webservice-tls, e.g. from
# cert-manager), and https://HOST/passes in every pass.
host: passes.example.com

image:
  repository: ghcr.io/wallet-operator/wallet-operator
  # The chart's appVersion when empty.
  tag: ""

crds:
  # Install and upgrade the CRDs with the chart (helm uninstall keeps
  # them: see the README's Uninstall).
  install: true

# The components of config/components, config/prometheus and
# config/networkpolicy, as the kustomize install has them; the same
# objects, switched on here.
s3:
  enabled: false
postgres:
  enabled: false
googleWallet:
  enabled: false
prometheus:
  enabled: false
networkPolicy:
  enabled: false
# Kubernetes 1.36 and later: passes get their finalizer from the API server
# as they are created (a MutatingAdmissionPolicy), one request per pass
# less for the API server.
admissionPolicy:
  enabled: false
`

// beyond says which documents of docs base does not have, and whether
// every document of base is in docs unchanged.
func beyond(base, docs []string) (extra []string, unchanged bool) {
	for _, d := range base {
		if !slices.Contains(docs, d) {
			return nil, false
		}
	}
	for _, d := range docs {
		if !slices.Contains(base, d) {
			extra = append(extra, d)
		}
	}
	return extra, true
}

// chartText is a document as a template: the template delimiters it holds
// (alert annotations, dashboard legends) printed as they are, the image
// and the host from the values.
func chartText(doc, version string) string {
	text := regexp.MustCompile(`\{\{|\}\}`).ReplaceAllStringFunc(doc, func(d string) string { return `{{ "` + d + `" }}` })
	text = strings.ReplaceAll(text, image+":"+version, `{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}`)
	return strings.ReplaceAll(text, "passes.example.com", "{{ .Values.host }}")
}

// docKey is a document's kind, namespace and name.
func docKey(doc string) (string, error) {
	var o struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
	}
	if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
		return "", err
	}
	return o.Kind + "/" + o.Metadata.Namespace + "/" + o.Metadata.Name, nil
}

func kindOf(key string) string { return key[:strings.Index(key, "/")] }

// writeTarGz writes files under dir into a .tgz, as helm package does.
func writeTarGz(file, dir string, files map[string]string) error {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h := &tar.Header{Name: dir + "/" + n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}
