// Package bundle stores .pkpass files in ConfigMaps: the files every pass of
// a template shares in one ConfigMap per template content, and each pass's
// own files (pass.json, manifest.json, signature, its image overrides) in a
// ConfigMap owned by the Pass. The full bundle is the two merged.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// SharedName is the shared ConfigMap of a template for one content digest,
// so a template change never alters files a signed bundle relies on.
func SharedName(template, digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	return fmt.Sprintf("%s-shared-%s", fit(template, 253-len("-shared-")-10), d[:10])
}

// PassName is the ConfigMap holding a pass's own files.
func PassName(pass string) string { return fit(pass, 253-len("-pkpass")) + "-pkpass" }

// fit shortens a name to n characters, keeping names that differ apart: a
// shortened name ends in a hash of the whole one.
func fit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return strings.TrimRight(s[:n-11], "-.") + "-" + hex.EncodeToString(sum[:5])
}

// Key turns a bundle path (cs.lproj/logo@2x.png) into a legal ConfigMap key
// (cs.lproj_2Flogo_402x.png): characters outside [A-Za-z0-9.-] become _XX.
func Key(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "_%02X", c)
		}
	}
	return b.String()
}

// Path reverses Key.
func Path(key string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		if key[i] != '_' {
			b.WriteByte(key[i])
			continue
		}
		if i+2 >= len(key) {
			return "", fmt.Errorf("bad bundle key %q", key)
		}
		var c byte
		if _, err := fmt.Sscanf(key[i+1:i+3], "%02X", &c); err != nil {
			return "", fmt.Errorf("bad bundle key %q: %w", key, err)
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), nil
}

// MaxConfigMapBytes is the most data a ConfigMap holds: the API server
// refuses more ("Too long: may not be more than 1048576 bytes").
const MaxConfigMapBytes = 1 << 20

// TooLarge says, when files do not fit in one ConfigMap, how large they
// are against the limit; "" when they fit.
func TooLarge(files pkpass.Files) string {
	n := 0
	for _, data := range files {
		n += len(data)
	}
	if n <= MaxConfigMapBytes {
		return ""
	}
	return fmt.Sprintf("%d bytes (%.2f MiB), over the %d bytes (1 MiB) a ConfigMap holds", n, float64(n)/(1<<20), MaxConfigMapBytes)
}

// Encode turns files into ConfigMap binaryData.
func Encode(files pkpass.Files) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for path, data := range files {
		out[Key(path)] = data
	}
	return out
}

// Decode reads the files of a stored ConfigMap.
func Decode(cm *corev1.ConfigMap) (pkpass.Files, error) {
	files := make(pkpass.Files, len(cm.BinaryData))
	for key, data := range cm.BinaryData {
		path, err := Path(key)
		if err != nil {
			return nil, fmt.Errorf("ConfigMap %s/%s: %w", cm.Namespace, cm.Name, err)
		}
		files[path] = data
	}
	return files, nil
}

// Assemble merges a template's shared files with a pass's own into the
// complete bundle.
func Assemble(shared, own *corev1.ConfigMap) (pkpass.Files, error) {
	s, err := Decode(shared)
	if err != nil {
		return nil, err
	}
	o, err := Decode(own)
	if err != nil {
		return nil, err
	}
	return pkpass.Merge(s, o), nil
}
