package v1alpha1_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Valid objects the tests start from; each invalid case changes one thing.

func validCertificate(name string) *walletv1.PassCertificate {
	return &walletv1.PassCertificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: walletv1.GroupVersion.String(), Kind: "PassCertificate"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: walletv1.PassCertificateSpec{
			SecretRef: walletv1.LocalObjectReference{Name: name + "-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{
				PassTypeIdentifier: "pass.com.example.test",
				TeamIdentifier:     "A1B2C3D4E5",
			},
		},
	}
}

func image(t walletv1.ImageType, key string) walletv1.Image {
	return walletv1.Image{Type: t, ConfigMapKeyRef: &walletv1.KeyReference{Name: "images", Key: key}}
}

func validTemplate(name string, style walletv1.PassStyle) *walletv1.PassTemplate {
	tpl := &walletv1.PassTemplate{
		TypeMeta:   metav1.TypeMeta{APIVersion: walletv1.GroupVersion.String(), Kind: "PassTemplate"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: walletv1.PassTemplateSpec{
			Style:            style,
			CertificateRef:   walletv1.LocalObjectReference{Name: "cert"},
			OrganizationName: "Example",
			Description:      "Example pass",
			BackgroundColor:  "rgb(237, 184, 61)",
			Fields: walletv1.PassFields{
				Header:  []walletv1.Field{{Key: "gate", Label: "GATE", Value: "{{ .data.gate }}", ChangeMessage: "Gate changed to %@"}},
				Primary: []walletv1.Field{{Key: "name", Value: "{{ .data.name }}"}},
			},
			Barcodes: []walletv1.Barcode{{Format: "PKBarcodeFormatQR"}},
			Images:   []walletv1.Image{image(walletv1.ImageIcon, "icon.png"), image(walletv1.ImageLogo, "logo.png")},
			DataSchema: &apiextensionsv1.JSON{Raw: []byte(
				`{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"gate":{"type":"string"}}}`)},
		},
	}
	if style == walletv1.StyleBoardingPass {
		tpl.Spec.TransitType = "PKTransitTypeAir"
	}
	return tpl
}

func validPass(name, template, serial string) *walletv1.Pass {
	return &walletv1.Pass{
		TypeMeta:   metav1.TypeMeta{APIVersion: walletv1.GroupVersion.String(), Kind: "Pass"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: walletv1.PassSpec{
			TemplateRef:  walletv1.LocalObjectReference{Name: template},
			SerialNumber: serial,
			Data:         &apiextensionsv1.JSON{Raw: []byte(`{"name":"Jane Doe","gate":"12"}`)},
		},
	}
}

// toUnstructured turns a typed object into a map the cases can bend into
// shapes the Go types cannot express (a wrong type, a bad date).
func toUnstructured(t *testing.T, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// set returns a change that sets a dotted path such as
// "spec.fields.header[0].changeMessage" to value (nil deletes it).
func set(path string, value any) func(map[string]any) {
	return func(obj map[string]any) {
		if err := setPath(obj, strings.Split(path, "."), value); err != nil {
			panic(fmt.Sprintf("set %s: %v", path, err))
		}
	}
}

func setPath(cur any, parts []string, value any) error {
	name, index := parts[0], -1
	if i := strings.IndexByte(name, '['); i >= 0 {
		n, err := strconv.Atoi(strings.TrimSuffix(name[i+1:], "]"))
		if err != nil {
			return err
		}
		name, index = name[:i], n
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not an object", name)
	}
	last := len(parts) == 1
	if index < 0 {
		if last {
			if value == nil {
				delete(m, name)
			} else {
				m[name] = value
			}
			return nil
		}
		if _, ok := m[name]; !ok {
			m[name] = map[string]any{}
		}
		return setPath(m[name], parts[1:], value)
	}
	list, ok := m[name].([]any)
	if !ok || index >= len(list) {
		return fmt.Errorf("%s[%d]: no such item", name, index)
	}
	if last {
		list[index] = value
		return nil
	}
	return setPath(list[index], parts[1:], value)
}

// appendTo returns a change that appends item to the list at path.
func appendTo(path string, item any) func(map[string]any) {
	return func(obj map[string]any) {
		parts := strings.Split(path, ".")
		cur := obj
		for _, p := range parts[:len(parts)-1] {
			cur = cur[p].(map[string]any)
		}
		key := parts[len(parts)-1]
		list, _ := cur[key].([]any)
		cur[key] = append(list, item)
	}
}
