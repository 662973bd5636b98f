package render

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Options are the inputs of a pass that come from neither the template nor
// the pass.
type Options struct {
	// PassTypeIdentifier and TeamIdentifier come from the certificate.
	PassTypeIdentifier string
	TeamIdentifier     string
	// WebServiceURL and AuthenticationToken go together, or are both empty
	// (a pass that never updates).
	WebServiceURL       string
	AuthenticationToken string
	// Development allows an http web service URL.
	Development bool
	// Now stands for the creation time of a pass that has none (the CLI).
	Now time.Time
	// Anonymize renders the pass without its personal data: no data, field
	// or image overrides; placeholders show their defaults or nothing; a
	// barcode only when the template's anonymization keeps it, then with
	// KeptBarcodeMessage (the message the pass had) when set.
	Anonymize          bool
	KeptBarcodeMessage string
}

// MinTokenLength is the shortest authentication token Wallet accepts.
const MinTokenLength = 16

// NewAuthenticationToken returns a token of 32 random bytes (43 characters).
func NewAuthenticationToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func (o Options) check() error {
	switch {
	case o.PassTypeIdentifier == "" || o.TeamIdentifier == "":
		return errorf(walletv1.ReasonRenderFailed, "", "the certificate gives no pass type or team identifier")
	case (o.WebServiceURL == "") != (o.AuthenticationToken == ""):
		return errorf(walletv1.ReasonRenderFailed, "", "webServiceURL and authenticationToken go together: set both or neither")
	case o.AuthenticationToken != "" && len(o.AuthenticationToken) < MinTokenLength:
		return errorf(walletv1.ReasonRenderFailed, "", "the authentication token has %d characters; Wallet needs at least %d", len(o.AuthenticationToken), MinTokenLength)
	}
	if o.WebServiceURL != "" {
		u, err := url.Parse(o.WebServiceURL)
		if err != nil || u.Host == "" {
			return errorf(walletv1.ReasonRenderFailed, "", "web service URL %q is not an absolute URL", o.WebServiceURL)
		}
		if u.Scheme != "https" && !(o.Development && u.Scheme == "http") {
			return errorf(walletv1.ReasonRenderFailed, "", "web service URL %q must be https (Wallet refuses http outside development mode)", o.WebServiceURL)
		}
	}
	return nil
}

// Render renders one pass: its pass.json and the images it overrides. The
// full bundle is Template.Shared() overlaid with these files.
func (t *Template) Render(pass *walletv1.Pass, src ImageSource, o Options) (pkpass.Files, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Anonymize {
		pass = t.anonymous(pass, o.KeptBarcodeMessage)
	}
	data, err := passData(pass)
	if err != nil {
		return nil, err
	}
	if t.schema != nil && !o.Anonymize {
		if err := validateData(t.schema, data); err != nil {
			return nil, err
		}
	}
	for key := range pass.Spec.Fields {
		if !t.HasField(key) {
			return nil, errorf(walletv1.ReasonUnknownField, "spec.fields."+key,
				"template %s has no field %q; its fields are %s", t.name, key, strings.Join(t.fieldKeys, ", "))
		}
	}
	if pass.Spec.Barcode != nil && len(t.spec.Barcodes) == 0 {
		return nil, errorf(walletv1.ReasonUnknownField, "spec.barcode", "template %s shows no barcode: add barcodes to the template or remove spec.barcode", t.name)
	}
	files, err := t.passImages(pass, src)
	if err != nil {
		return nil, err
	}

	values := &fillValues{m: map[string]any{
		"data":         data,
		"serialNumber": pass.Spec.SerialNumber,
		"name":         pass.Name,
		"namespace":    pass.Namespace,
	}, lenient: o.Anonymize}
	pj, err := t.passJSON(pass, values, o)
	if err == nil {
		err = t.modern(pj, pass, values)
	}
	if err == nil && o.Anonymize && !t.keepsBarcode() {
		pj.Barcode, pj.Barcodes = nil, nil
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // compact: it is stored per pass and downloaded by phones
	if err := enc.Encode(pj); err != nil {
		return nil, errorf(walletv1.ReasonRenderFailed, "", "encode pass.json: %v", err)
	}
	if files[pkpass.PassJSON], err = t.withPassJSON(buf.Bytes(), pass); err != nil {
		return nil, err
	}
	if err := t.signUp(files, pass, o.Anonymize); err != nil {
		return nil, err
	}
	return files, nil
}

// anonymous is the pass without what its holder gave: no data, field or
// image overrides, and the barcode message it had when the template keeps it.
func (t *Template) anonymous(pass *walletv1.Pass, keptBarcode string) *walletv1.Pass {
	p := pass.DeepCopy()
	p.Spec.Data, p.Spec.Fields, p.Spec.Images, p.Spec.Barcode = nil, nil, nil, nil
	p.Spec.Semantics, p.Spec.UserInfo, p.Spec.PassJSON = nil, nil, nil // a seat, an attendee, an app's data
	if t.keepsBarcode() && keptBarcode != "" {
		p.Spec.Barcode = &walletv1.PassBarcode{Message: keptBarcode}
	}
	return p
}

func (t *Template) keepsBarcode() bool {
	return t.spec.Anonymization != nil && t.spec.Anonymization.KeepBarcode
}

// passData decodes spec.data (numbers kept as written).
func passData(pass *walletv1.Pass) (map[string]any, error) {
	if pass.Spec.Data == nil || len(pass.Spec.Data.Raw) == 0 {
		return map[string]any{}, nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(pass.Spec.Data.Raw))
	if err != nil {
		return nil, errorf(walletv1.ReasonInvalidData, "spec.data", "not JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(walletv1.ReasonInvalidData, "spec.data", "must be an object of keys and values")
	}
	return m, nil
}

// passImages loads the pass's image overrides and checks the style's image
// rules on the images the bundle will hold.
func (t *Template) passImages(pass *walletv1.Pass, src ImageSource) (pkpass.Files, error) {
	files := pkpass.Files{}
	if len(pass.Spec.Images) == 0 {
		return files, nil
	}
	merged := slices.Clone(t.spec.Images)
	for i, img := range pass.Spec.Images {
		field := fmt.Sprintf("spec.images[%d]", i)
		data, err := loadImage(src, img, field)
		if err != nil {
			return nil, err
		}
		files[ImageName(img)] = data
		merged = slices.DeleteFunc(merged, func(m walletv1.Image) bool { return ImageName(m) == ImageName(img) })
		merged = append(merged, img)
	}
	if err := checkImageTypes(t.spec.Style, merged, "spec.images"); err != nil {
		return nil, err
	}
	return files, nil
}

func (t *Template) passJSON(pass *walletv1.Pass, values *fillValues, o Options) (*passjson.Pass, error) {
	spec := t.spec
	pj := &passjson.Pass{
		FormatVersion:       1,
		PassTypeIdentifier:  o.PassTypeIdentifier,
		SerialNumber:        pass.Spec.SerialNumber,
		TeamIdentifier:      o.TeamIdentifier,
		OrganizationName:    spec.OrganizationName,
		Description:         spec.Description,
		WebServiceURL:       o.WebServiceURL,
		AuthenticationToken: o.AuthenticationToken,
		BackgroundColor:     string(spec.BackgroundColor),
		ForegroundColor:     string(spec.ForegroundColor),
		LabelColor:          string(spec.LabelColor),
		SharingProhibited:   spec.SharingProhibited,
		SuppressStripShine:  spec.SuppressStripShine,
		Voided:              pass.Spec.Voided || pass.Spec.Redeemed,
	}
	var err error
	if pj.LogoText, err = t.fill(spec.LogoText, values, "spec.logoText"); err != nil {
		return nil, err
	}
	if pj.GroupingIdentifier, err = t.fill(spec.GroupingIdentifier, values, "spec.groupingIdentifier"); err != nil {
		return nil, err
	}
	if pj.Barcodes, err = t.barcodes(pass, values); err != nil {
		return nil, err
	}
	if len(pj.Barcodes) > 0 && slices.Contains([]string{"PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec"}, pj.Barcodes[0].Format) {
		pj.Barcode = &pj.Barcodes[0]
	}
	relevance(pj, spec.Relevance, pass.Spec.Relevance)
	pj.ExpirationDate = t.expiration(pass, o)

	st := &passjson.Structure{TransitType: string(spec.TransitType)}
	secs := sections(spec.Fields)
	targets := []*[]passjson.Field{&st.HeaderFields, &st.PrimaryFields, &st.SecondaryFields, &st.AuxiliaryFields, &st.BackFields}
	for i, s := range secs {
		for j, f := range s.fields {
			fj, err := t.field(f, pass.Spec.Fields[f.Key], values, fmt.Sprintf("%s[%d]", s.path, j))
			if err != nil {
				return nil, err
			}
			*targets[i] = append(*targets[i], fj)
		}
	}
	switch spec.Style {
	case walletv1.StyleBoardingPass:
		pj.BoardingPass = st
	case walletv1.StyleCoupon:
		pj.Coupon = st
	case walletv1.StyleEventTicket:
		pj.EventTicket = st
	case walletv1.StyleGeneric:
		pj.Generic = st
	case walletv1.StyleStoreCard:
		pj.StoreCard = st
	}
	return pj, nil
}

// field renders one field with the pass's override applied.
func (t *Template) field(f walletv1.Field, o walletv1.FieldOverride, values *fillValues, path string) (passjson.Field, error) {
	label, value, change := f.Label, f.Value, string(f.ChangeMessage)
	// An error in a pass's override names the pass's field.
	labelPath, valuePath, changePath := path+".label", path+".value", path+".changeMessage"
	overridePath := "spec.fields." + f.Key
	if o.Label != nil {
		label, labelPath = *o.Label, overridePath+".label"
	}
	if o.Value != nil {
		value, valuePath = *o.Value, overridePath+".value"
	}
	if o.ChangeMessage != nil {
		change, changePath = string(*o.ChangeMessage), overridePath+".changeMessage"
	}
	var err error
	fj := passjson.Field{
		Key: f.Key, DateStyle: string(f.DateStyle), TimeStyle: string(f.TimeStyle),
		IsRelative: f.IsRelative, IgnoresTimeZone: f.IgnoresTimeZone,
		NumberStyle: string(f.NumberStyle), CurrencyCode: f.CurrencyCode, TextAlignment: string(f.TextAlignment),
	}
	for _, d := range f.DataDetectorTypes {
		fj.DataDetectorTypes = append(fj.DataDetectorTypes, string(d))
	}
	fj.Row = f.Row
	if fj.AttributedValue, err = t.fill(f.AttributedValue, values, path+".attributedValue"); err != nil {
		return fj, err
	}
	if fj.Semantics, err = t.semantics(f.Semantics, nil, values, path+".semantics"); err != nil {
		return fj, err
	}
	if fj.Label, err = t.fill(label, values, labelPath); err != nil {
		return fj, err
	}
	if fj.ChangeMessage, err = t.fill(change, values, changePath); err != nil {
		return fj, err
	}
	rendered, err := t.fill(value, values, valuePath)
	if err != nil {
		return fj, err
	}
	if rendered == "" && values.lenient {
		// An anonymized pass's emptied date or number is plain text.
		fj.DateStyle, fj.TimeStyle, fj.NumberStyle, fj.CurrencyCode = "", "", "", ""
		fj.Value = ""
		return fj, nil
	}
	fj.Value, err = typedValue(f, rendered, valuePath)
	return fj, err
}

// dateLayouts are the ISO 8601 forms Wallet reads for date fields.
var dateLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}

// typedValue makes a date field's value a checked ISO 8601 date and a
// number field's value a JSON number, as Wallet needs them.
func typedValue(f walletv1.Field, v, path string) (any, error) {
	switch {
	case f.DateStyle != "" || f.TimeStyle != "":
		if isISODate(v) {
			return v, nil
		}
		return nil, errorf(walletv1.ReasonInvalidData, path, "%q is not an ISO 8601 date and time such as 2026-12-12T10:12:20-08:00, which a field with dateStyle or timeStyle needs", v)
	case f.NumberStyle != "" || f.CurrencyCode != "":
		s := strings.TrimSpace(v)
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, errorf(walletv1.ReasonInvalidData, path, "%q is not a number, which a field with numberStyle or currencyCode needs", v)
		}
		return json.Number(s), nil
	}
	return v, nil
}

func (t *Template) barcodes(pass *walletv1.Pass, values *fillValues) ([]passjson.Barcode, error) {
	var out []passjson.Barcode
	for i, b := range t.spec.Barcodes {
		path := fmt.Sprintf("spec.barcodes[%d]", i)
		message, err := t.fill(b.Message, values, path+".message")
		if err != nil {
			return nil, err
		}
		alt, err := t.fill(b.AltText, values, path+".altText")
		if err != nil {
			return nil, err
		}
		source := path + ".message"
		if message == "" {
			message, source = pass.Spec.SerialNumber, "spec.serialNumber"
		} else if strings.Contains(b.Message, "{{") {
			source = "spec.data"
		}
		if pass.Spec.Barcode != nil {
			if pass.Spec.Barcode.Message != "" {
				message, source = pass.Spec.Barcode.Message, "spec.barcode.message"
			}
			if pass.Spec.Barcode.AltText != "" {
				alt = pass.Spec.Barcode.AltText
			}
		}
		encoding := b.MessageEncoding
		if encoding == "" {
			encoding = "iso-8859-1"
		}
		// What no scanner can read is never signed: the last good bundle
		// stays served instead.
		if err := barcodes.Check(string(b.Format), message, encoding); err != nil {
			return nil, errorf(walletv1.ReasonInvalidData, source, "barcode %d of template %s (%s): %v", i, t.name, strings.TrimPrefix(string(b.Format), "PKBarcodeFormat"), err)
		}
		out = append(out, passjson.Barcode{Format: string(b.Format), Message: message, MessageEncoding: encoding, AltText: alt})
	}
	return out, nil
}

func relevance(pj *passjson.Pass, template, pass *walletv1.Relevance) {
	r := template
	if pass != nil {
		r = pass
	}
	if r == nil {
		return
	}
	for _, l := range r.Locations {
		pj.Locations = append(pj.Locations, passjson.Location{Latitude: l.Latitude, Longitude: l.Longitude, Altitude: l.Altitude, RelevantText: l.RelevantText})
	}
	for _, b := range r.Beacons {
		pj.Beacons = append(pj.Beacons, passjson.Beacon{ProximityUUID: b.ProximityUUID, Major: b.Major, Minor: b.Minor, RelevantText: b.RelevantText})
	}
	pj.MaxDistance = r.MaxDistance
	if r.RelevantDate != nil {
		pj.RelevantDate = r.RelevantDate.UTC().Format(time.RFC3339)
	}
}

// expiration is the pass's own date, or the template's default (a date, or
// a duration after the pass's creation).
func (t *Template) expiration(pass *walletv1.Pass, o Options) string {
	switch e := t.spec.Expiration; {
	case pass.Spec.ExpirationDate != nil:
		return pass.Spec.ExpirationDate.UTC().Format(time.RFC3339)
	case e != nil && e.Date != nil:
		return e.Date.UTC().Format(time.RFC3339)
	case e != nil && e.After != nil:
		created := pass.CreationTimestamp.Time
		if created.IsZero() {
			created = o.Now
		}
		return created.Add(e.After.Duration).UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return ""
}
