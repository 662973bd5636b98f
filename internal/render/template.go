package render

import (
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Template is a PassTemplate checked and prepared for rendering many
// passes: images loaded, localizations encoded, placeholders parsed, the
// data schema compiled.
type Template struct {
	name   string
	spec   walletv1.PassTemplateSpec
	schema *jsonschema.Schema
	texts  map[string]*text
	// fieldKeys lists every field key, in section order.
	fieldKeys []string
	// shared holds the files every pass of the template has.
	shared pkpass.Files
	// nfcKey is spec.nfc's encryption public key as pass.json has it
	// (base64 SubjectPublicKeyInfo).
	nfcKey string
}

// section is one of the five field sections with its pass.json name.
type section struct {
	path   string
	fields []walletv1.Field
}

func sections(f walletv1.PassFields) []section {
	return []section{
		{"spec.fields.header", f.Header},
		{"spec.fields.primary", f.Primary},
		{"spec.fields.secondary", f.Secondary},
		{"spec.fields.auxiliary", f.Auxiliary},
		{"spec.fields.back", f.Back},
	}
}

// CompileTemplate checks what the API schema cannot (images exist, decode
// and suit the style; field keys are unique across sections; placeholders
// parse; dataSchema compiles) and prepares the template for rendering.
func CompileTemplate(tpl *walletv1.PassTemplate, src ImageSource) (*Template, error) {
	spec := tpl.Spec
	t := &Template{name: tpl.Name, spec: spec, texts: map[string]*text{}, shared: pkpass.Files{}}

	if _, ok := allowedImages[spec.Style]; !ok {
		return nil, errorf(walletv1.ReasonInvalidTemplate, "spec.style", "unknown style %q", spec.Style)
	}
	if (spec.Style == walletv1.StyleBoardingPass) != (spec.TransitType != "") {
		return nil, errorf(walletv1.ReasonInvalidTemplate, "spec.transitType", "transitType is required for boardingPass templates and not allowed for other styles")
	}
	if err := checkImageTypes(spec.Style, spec.Images, "spec.images"); err != nil {
		return nil, err
	}
	for i, img := range spec.Images {
		field := fmt.Sprintf("spec.images[%d]", i)
		name := ImageName(img)
		if _, dup := t.shared[name]; dup {
			return nil, errorf(walletv1.ReasonInvalidImage, field, "%s is given twice", name)
		}
		data, err := loadImage(src, img, field)
		if err != nil {
			return nil, err
		}
		t.shared[name] = data
	}
	for _, l := range spec.Localizations {
		t.shared[string(l.Language)+".lproj/pass.strings"] = EncodeStrings(l.Strings)
	}

	seen := map[string]string{}
	for _, s := range sections(spec.Fields) {
		for i, f := range s.fields {
			field := fmt.Sprintf("%s[%d]", s.path, i)
			if other, dup := seen[f.Key]; dup {
				return nil, errorf(walletv1.ReasonDuplicateFieldKey, field+".key", "key %q is also used by %s: field keys must be unique across all sections", f.Key, other)
			}
			seen[f.Key] = field
			t.fieldKeys = append(t.fieldKeys, f.Key)
			for _, raw := range []struct{ s, path string }{
				{f.Label, field + ".label"}, {f.Value, field + ".value"}, {string(f.ChangeMessage), field + ".changeMessage"},
			} {
				if err := t.parse(raw.s, raw.path); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, b := range spec.Barcodes {
		if err := t.parse(b.Message, fmt.Sprintf("spec.barcodes[%d].message", i)); err != nil {
			return nil, err
		}
		if err := t.parse(b.AltText, fmt.Sprintf("spec.barcodes[%d].altText", i)); err != nil {
			return nil, err
		}
	}
	for _, s := range []struct{ raw, path string }{{spec.GroupingIdentifier, "spec.groupingIdentifier"}, {spec.LogoText, "spec.logoText"}} {
		if err := t.parse(s.raw, s.path); err != nil {
			return nil, err
		}
	}

	if err := t.compileModern(src); err != nil {
		return nil, err
	}
	if spec.DataSchema != nil && len(spec.DataSchema.Raw) > 0 {
		sch, err := compileSchema(spec.DataSchema.Raw)
		if err != nil {
			return nil, err
		}
		t.schema = sch
	}
	return t, nil
}

// parse parses a text once; texts shared by several fields parse once.
func (t *Template) parse(raw, field string) error {
	if _, ok := t.texts[raw]; ok {
		return nil
	}
	parsed, err := parseText(raw, field)
	if err != nil {
		return err
	}
	t.texts[raw] = parsed
	return nil
}

// fill fills the placeholders of a text the template holds, or of a pass's
// override text (parsed on the spot, plain placeholders only).
func (t *Template) fill(raw string, values *fillValues, field string) (string, error) {
	parsed, ok := t.texts[raw]
	if !ok {
		var err error
		if parsed, err = parseOverride(raw, field); err != nil {
			return "", err
		}
	}
	return parsed.execute(values, field)
}

// NFCEncryptionPublicKey is spec.nfc's terminal key as pass.json has it;
// empty without nfc.
func (t *Template) NFCEncryptionPublicKey() string { return t.nfcKey }

// Shared returns the files every pass of the template holds (images,
// localizations). The caller must not modify them.
func (t *Template) Shared() pkpass.Files { return t.shared }

// HasField says whether the template has a field with this key.
func (t *Template) HasField(key string) bool { return slices.Contains(t.fieldKeys, key) }
