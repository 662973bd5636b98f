package render

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

func ptr[T any](v T) *T { return &v }

// A pass's field override is not a template: the 61-byte override that
// printed 90 MB is refused, plain placeholders work.
func TestOverridesHoldPlainPlaceholdersOnly(t *testing.T) {
	tpl, err := CompileTemplate(coupon(), images)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		override string
		refused  bool
		shows    string // the field's value in pass.json, when accepted
	}{
		{`{{range 300}}{{range 300}}{{printf "%1000d" 1}}{{end}}{{end}}`, true, ""},
		{`{{ if .data.name }}x{{ end }}`, true, ""},
		{`{{ printf "%s" .data.name }}`, true, ""},
		{`{{ $x := .data.name }}{{ $x }}`, true, ""},
		{`{{ template "x" }}`, true, ""},
		{`Gate {{ .data.name }}`, false, "Gate Ana"},
		{`{{ .data.name | default "Guest" }}`, false, "Ana"},
		{`{{ .data.missing | default "Guest" }}`, false, "Guest"},
		{`{{ .data.name | upper }}`, false, "ANA"},
		{`no placeholder at all`, false, "no placeholder at all"},
	} {
		p := couponPass(`{"discount": 0.25, "name": "Ana"}`)
		p.Spec.Fields = map[string]walletv1.FieldOverride{"name": {Value: ptr(tc.override)}}
		start := time.Now()
		files, err := tpl.Render(p, images, testOptions)
		var rerr *Error
		switch {
		case tc.refused && (!errors.As(err, &rerr) || rerr.Reason != walletv1.ReasonInvalidData || !strings.Contains(rerr.Field, "name")):
			t.Errorf("%q: want InvalidData naming the field, got %v", tc.override, err)
		case !tc.refused && err != nil:
			t.Errorf("%q: refused: %v", tc.override, err)
		case !tc.refused:
			var pj struct {
				Coupon struct{ SecondaryFields []struct{ Key, Value string } }
			}
			if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
				t.Fatal(err)
			}
			if f := pj.Coupon.SecondaryFields; len(f) == 0 || f[0].Key != "name" || f[0].Value != tc.shows {
				t.Errorf("%q: the field shows %+v, want %q", tc.override, f, tc.shows)
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q took %s", tc.override, d)
		}
	}
}

// A template's own text that prints without end is stopped at
// MaxTextBytes, never held whole in memory.
func TestTemplateTextsAreBounded(t *testing.T) {
	spec := coupon()
	spec.Spec.Fields.Back = append(spec.Spec.Fields.Back, walletv1.Field{Key: "huge", Value: `{{range 300}}{{range 300}}{{printf "%1000d" 1}}{{end}}{{end}}`})
	tpl, err := CompileTemplate(spec, images)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(couponPass(`{"discount": 0.25}`), images, testOptions)
	var rerr *Error
	if !errors.As(err, &rerr) || rerr.Reason != walletv1.ReasonBundleTooLarge {
		t.Errorf("want BundleTooLarge, got %v", err)
	}
}
