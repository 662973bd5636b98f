package render

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

func pngOf(w, h int) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, w, h)))
	return buf.Bytes()
}

// images serves PNGs of the right size for any key named after its type.
func images(img walletv1.Image) ([]byte, error) {
	size := maxPoints[img.Type]
	return pngOf(size[0], size[1]), nil
}

func coupon() *walletv1.PassTemplate {
	ref := func(k string) *walletv1.KeyReference { return &walletv1.KeyReference{Name: "img", Key: k} }
	return &walletv1.PassTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "coupon"},
		Spec: walletv1.PassTemplateSpec{
			Style: walletv1.StyleCoupon, OrganizationName: "Shop", Description: "Coupon",
			Fields: walletv1.PassFields{
				Primary:   []walletv1.Field{{Key: "offer", Label: "{{ .data.product | default \"Anything\" }}", Value: "{{ .data.discount }}", NumberStyle: "PKNumberStylePercent"}},
				Secondary: []walletv1.Field{{Key: "name", Value: "{{ .data.name | default \"Guest\" }}"}, {Key: "note", Value: "{{ .data.note | default \"\" }}"}},
				Back:      []walletv1.Field{{Key: "terms", Value: "Valid for {{ .name }} in {{ .namespace }}"}},
			},
			Barcodes: []walletv1.Barcode{{Format: "PKBarcodeFormatQR", AltText: "{{ .serialNumber }}"}},
			Images: []walletv1.Image{
				{Type: walletv1.ImageIcon, ConfigMapKeyRef: ref("icon")},
				{Type: walletv1.ImageLogo, ConfigMapKeyRef: ref("logo")},
				{Type: walletv1.ImageStrip, ConfigMapKeyRef: ref("strip")},
			},
			Localizations: []walletv1.Localization{{Language: "cs", Strings: map[string]string{"Guest": "Host"}}},
		},
	}
}

func couponPass(data string) *walletv1.Pass {
	return &walletv1.Pass{
		ObjectMeta: metav1.ObjectMeta{Name: "p1", Namespace: "shop", CreationTimestamp: metav1.NewTime(time.Unix(1700000000, 0))},
		Spec: walletv1.PassSpec{
			TemplateRef: walletv1.LocalObjectReference{Name: "coupon"}, SerialNumber: "c-1",
			Data: &apiextensionsv1.JSON{Raw: []byte(data)},
		},
	}
}

var testOptions = Options{PassTypeIdentifier: "pass.com.example.shop", TeamIdentifier: "A1B2C3D4E5", WebServiceURL: "https://wallet.example.com/passes", AuthenticationToken: NewAuthenticationToken()}

func TestPlaceholdersDefaultsAndTypes(t *testing.T) {
	tpl, err := CompileTemplate(coupon(), images)
	if err != nil {
		t.Fatal(err)
	}
	files, err := tpl.Render(couponPass(`{"discount": 0.25}`), images, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	var pj map[string]any
	if err := passjson.Validate(files[pkpass.PassJSON]); err != nil {
		t.Errorf("pass.json breaks the schema: %v", err)
	}
	if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
		t.Fatal(err)
	}
	c := pj["coupon"].(map[string]any)
	offer := c["primaryFields"].([]any)[0].(map[string]any)
	if offer["value"] != 0.25 || offer["label"] != "Anything" {
		t.Errorf("offer = %v; want the number 0.25 labelled with the default", offer)
	}
	secondary := c["secondaryFields"].([]any)
	if v := secondary[0].(map[string]any)["value"]; v != "Guest" {
		t.Errorf("name = %v, want the default Guest", v)
	}
	if v := c["backFields"].([]any)[0].(map[string]any)["value"]; v != "Valid for p1 in shop" {
		t.Errorf("terms = %v", v)
	}
	barcode := pj["barcodes"].([]any)[0].(map[string]any)
	if barcode["message"] != "c-1" || barcode["altText"] != "c-1" {
		t.Errorf("barcode %v: the message defaults to the serial number", barcode)
	}
	if len(testOptions.AuthenticationToken) < 40 || pj["authenticationToken"] != testOptions.AuthenticationToken {
		t.Errorf("authentication token %v not carried", pj["authenticationToken"])
	}
	strs, err := ParseStrings(tpl.Shared()["cs.lproj/pass.strings"])
	if err != nil || strs["Guest"] != "Host" {
		t.Errorf("cs.lproj/pass.strings = %v, %v", strs, err)
	}
	if !bytes.HasPrefix(tpl.Shared()["cs.lproj/pass.strings"], []byte{0xFF, 0xFE}) {
		t.Error("pass.strings must be UTF-16 with a byte-order mark")
	}
	for _, name := range []string{"icon.png", "logo.png", "strip.png"} {
		if _, ok := tpl.Shared()[name]; !ok {
			t.Errorf("shared files lack %s", name)
		}
	}
}

func TestStringsEscaping(t *testing.T) {
	in := map[string]string{`say "hi"`: "line1\nline2\t\\end", "ü": "中文 ✓"}
	out, err := ParseStrings(EncodeStrings(in))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range in {
		if out[k] != v {
			t.Errorf("%q: got %q, want %q", k, out[k], v)
		}
	}
}

// Strings survive encoding to pass.strings and back, whatever they hold.
func FuzzStringsRoundTrip(f *testing.F) {
	f.Add("POINTS", "You have %@ points")
	f.Add(`a"b\c`, "x\ny\r\tz")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, key, value string) {
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			t.Skip()
		}
		out, err := ParseStrings(EncodeStrings(map[string]string{key: value}))
		if err != nil {
			t.Fatalf("%q = %q: %v", key, value, err)
		}
		if len(out) != 1 || out[key] != value {
			t.Fatalf("%q = %q came back as %v", key, value, out)
		}
	})
}

// Rendering with arbitrary data never panics; it gives a render error, or
// a pass.json Apple's schema accepts, and the same files when rendered
// again (a pass re-signed with the same data changes nothing a device
// sees).
func FuzzRenderData(f *testing.F) {
	tpl, err := CompileTemplate(coupon(), images)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"discount": 0.5, "name": "Jane"}`)
	f.Add(`{"discount": "lots"}`)
	f.Add(`{"discount": {"nested": [1,2]}, "note": null}`)
	f.Add(`[1]`)
	f.Add(`{"discount": 1e400}`)
	f.Fuzz(func(t *testing.T, data string) {
		files, err := tpl.Render(couponPass(data), images, testOptions)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// What the renderer accepts is a pass.json Apple's rules accept.
		if err := passjson.Validate(files[pkpass.PassJSON]); err != nil {
			t.Fatalf("pass.json for data %q breaks the schema: %v\n%s", data, err, files[pkpass.PassJSON])
		}
		again, err := tpl.Render(couponPass(data), images, testOptions)
		if err != nil {
			t.Fatalf("data %q rendered once, then failed: %v", data, err)
		}
		if len(again) != len(files) {
			t.Fatalf("data %q rendered %d files, then %d", data, len(files), len(again))
		}
		for name, content := range files {
			if !bytes.Equal(again[name], content) {
				t.Fatalf("data %q rendered %s differently twice:\n%s\n%s", data, name, content, again[name])
			}
		}
	})
}

func TestOptionsRules(t *testing.T) {
	tpl, err := CompileTemplate(coupon(), images)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		change func(*Options)
		want   string
	}{
		"url without token":       {func(o *Options) { o.AuthenticationToken = "" }, "go together"},
		"relative url":            {func(o *Options) { o.WebServiceURL = "/passes" }, "is not an absolute URL"},
		"http in development":     {func(o *Options) { o.WebServiceURL, o.Development = "http://localhost:8080/p", true }, ""},
		"no certificate identity": {func(o *Options) { o.TeamIdentifier = "" }, "no pass type or team identifier"},
	}
	for name, tc := range cases {
		o := testOptions
		tc.change(&o)
		_, err := tpl.Render(couponPass(`{"discount": 1}`), images, o)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestImageNames(t *testing.T) {
	for _, tc := range []struct {
		img  walletv1.Image
		want string
	}{
		{walletv1.Image{Type: "icon"}, "icon.png"},
		{walletv1.Image{Type: "icon", Scale: 1}, "icon.png"},
		{walletv1.Image{Type: "logo", Scale: 2}, "logo@2x.png"},
		{walletv1.Image{Type: "strip", Scale: 3, Language: "pt-BR"}, "pt-BR.lproj/strip@3x.png"},
	} {
		if got := ImageName(tc.img); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.img, got, tc.want)
		}
	}
}

// An anonymized pass renders without anything its holder gave: no data
// (placeholders show their defaults or nothing, a required key is no
// error), no field overrides, no barcode unless the template keeps it.
func TestAnonymizedPass(t *testing.T) {
	personal := `{"discount": 0.25, "name": "Jana Nováková", "note": "allergic to nuts"}`
	withOverride := func() *walletv1.Pass {
		p := couponPass(personal)
		v := "VIP Jana"
		p.Spec.Fields = map[string]walletv1.FieldOverride{"note": {Value: &v}}
		p.Spec.Barcode = &walletv1.PassBarcode{Message: "JANA-0042"}
		return p
	}
	schema := coupon()
	schema.Spec.DataSchema = &apiextensionsv1.JSON{Raw: []byte(`{"type": "object", "required": ["discount", "name"]}`)}
	keeps := coupon()
	keeps.Spec.Anonymization = &walletv1.Anonymization{KeepBarcode: true}
	for _, tc := range []struct {
		name        string
		template    *walletv1.PassTemplate
		kept        string
		wantBarcode string // "" for none
	}{
		{"no barcode by default", schema, "JANA-0042", ""},
		{"the template keeps the barcode", keeps, "JANA-0042", "JANA-0042"},
		{"kept, but the pass never had one", keeps, "", "c-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := CompileTemplate(tc.template, images)
			if err != nil {
				t.Fatal(err)
			}
			o := testOptions
			o.Anonymize, o.KeptBarcodeMessage = true, tc.kept
			files, err := tpl.Render(withOverride(), images, o)
			if err != nil {
				t.Fatalf("an anonymized pass must always render: %v", err)
			}
			pjs := string(files[pkpass.PassJSON])
			for _, personal := range []string{"Jana", "nuts", "VIP", "0.25"} {
				if strings.Contains(pjs, personal) && !strings.Contains(tc.wantBarcode, personal) {
					t.Errorf("pass.json still holds %q: %s", personal, pjs)
				}
			}
			var pj passjson.Pass
			if err := passjson.Validate(files[pkpass.PassJSON]); err != nil {
				t.Errorf("pass.json breaks the schema: %v", err)
			}
			if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
				t.Fatal(err)
			}
			offer, name := pj.Coupon.PrimaryFields[0], pj.Coupon.SecondaryFields[0]
			if offer.Label != "Anything" || offer.Value != "" || offer.NumberStyle != "" || name.Value != "Guest" {
				t.Errorf("offer %+v, name %+v: want the defaults, an empty plain offer", offer, name)
			}
			switch {
			case tc.wantBarcode == "" && (len(pj.Barcodes) > 0 || pj.Barcode != nil):
				t.Errorf("barcodes %+v: want none", pj.Barcodes)
			case tc.wantBarcode != "" && (len(pj.Barcodes) == 0 || pj.Barcodes[0].Message != tc.wantBarcode):
				t.Errorf("barcodes %+v: want the message %s", pj.Barcodes, tc.wantBarcode)
			}
		})
	}
}
