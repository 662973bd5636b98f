package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Apple's pass.json as it is since iOS 18: semantic tags, preferred style
// schemes (poster event tickets, semantic boarding passes), relevant date
// intervals, the associated app, and passJSON for keys not modelled yet.

// reservedKeys are pass.json keys the operator owns: passJSON may not set
// them (a pass that named another pass type or web service would be a
// different pass, or nobody's).
var reservedKeys = []string{"formatVersion", "passTypeIdentifier", "serialNumber", "teamIdentifier", "webServiceURL", "authenticationToken", "voided"}

// schemeNeeds are the semantic tags and images each preferred style scheme
// cannot go without (Apple's "Creating a poster event pass using semantic
// tags" and the semantic boarding pass of iOS 26). A tag listed as "a|b"
// is met by either.
var schemeNeeds = map[walletv1.StyleScheme]struct {
	tags   []string
	images []walletv1.ImageType
}{
	walletv1.SchemePosterEventTicket:    {tags: []string{"eventName", "venueName", "eventStartDate|eventStartDateInfo"}, images: []walletv1.ImageType{walletv1.ImageArtwork}},
	walletv1.SchemeSemanticBoardingPass: {tags: []string{"airlineCode", "flightNumber", "departureAirportCode", "destinationAirportCode", "originalDepartureDate"}},
}

// compileModern parses the template's texts among its semantic tags and
// the other modern keys, and refuses a passJSON that sets a reserved key.
func (t *Template) compileModern(src ImageSource) error {
	if err := t.parseTree(semanticsTree(t.spec.Semantics), "spec.semantics"); err != nil {
		return err
	}
	for _, s := range sections(t.spec.Fields) {
		for i, f := range s.fields {
			if err := t.parseField(f, fmt.Sprintf("%s[%d]", s.path, i)); err != nil {
				return err
			}
		}
	}
	for i, e := range t.spec.UpcomingPassInformation {
		if err := t.parseUpcoming(e, fmt.Sprintf("spec.upcomingPassInformation[%d]", i)); err != nil {
			return err
		}
	}
	if err := t.parse(t.spec.AppLaunchURL, "spec.appLaunchURL"); err != nil {
		return err
	}
	if n := t.spec.NFC; n != nil {
		if err := t.parse(n.Message, "spec.nfc.message"); err != nil {
			return err
		}
		key, err := src(walletv1.Image{ConfigMapKeyRef: n.EncryptionPublicKey.ConfigMapKeyRef, SecretKeyRef: n.EncryptionPublicKey.SecretKeyRef})
		if err != nil {
			return errorf(walletv1.ReasonInvalidTemplate, "spec.nfc.encryptionPublicKey", "%v", err)
		}
		if t.nfcKey, err = nfcPublicKey(key); err != nil {
			return errorf(walletv1.ReasonInvalidTemplate, "spec.nfc.encryptionPublicKey", "%v", err)
		}
	}
	if slices.Contains(t.spec.PreferredStyleSchemes, walletv1.SchemeSemanticBoardingPass) && t.spec.TransitType != "PKTransitTypeAir" {
		return errorf(walletv1.ReasonStyleSchemeUnmet, "spec.preferredStyleSchemes", "semanticBoardingPass is for flights: set transitType PKTransitTypeAir, or remove the scheme")
	}
	if p := t.spec.Personalization; p != nil && (t.spec.Style != walletv1.StyleStoreCard || t.spec.NFC == nil ||
		!slices.ContainsFunc(t.spec.Images, func(i walletv1.Image) bool { return i.Type == walletv1.ImagePersonalizationLogo })) {
		return errorf(walletv1.ReasonInvalidTemplate, "spec.personalization", "a rewards sign-up is a storeCard with nfc and a personalizationLogo image, as Apple requires")
	}
	_, err := passJSONKeys(t.spec.PassJSON, "spec.passJSON")
	return err
}

// PersonalizationJSON is the name of the sign-up form's file.
const PersonalizationJSON = "personalization.json"

// signUp adds the rewards sign-up form (personalization.json; its logo is
// among the shared files) to a pass whose holder has not signed up yet; a
// personalized or anonymized pass has none.
func (t *Template) signUp(files pkpass.Files, pass *walletv1.Pass, anonymize bool) error {
	p := t.spec.Personalization
	if p == nil || pass.Spec.Personalized || anonymize {
		return nil
	}
	form := struct {
		RequiredPersonalizationFields []walletv1.PersonalizationField `json:"requiredPersonalizationFields"`
		Description                   string                          `json:"description"`
		TermsAndConditions            string                          `json:"termsAndConditions,omitempty"`
	}{p.RequiredPersonalizationFields, p.Description, p.TermsAndConditions}
	data, err := json.Marshal(form)
	if err != nil {
		return err
	}
	files[PersonalizationJSON] = data
	return nil
}

// parseField parses the texts of a field beyond its label, value and
// change message (which CompileTemplate parses for every section).
func (t *Template) parseField(f walletv1.Field, path string) error {
	if err := t.parseTree(semanticsTree(f.Semantics), path+".semantics"); err != nil {
		return err
	}
	return t.parse(f.AttributedValue, path+".attributedValue")
}

// parseUpcoming parses the texts of an upcoming event.
func (t *Template) parseUpcoming(e walletv1.UpcomingPassInformationEntry, path string) error {
	texts := []struct{ raw, path string }{{e.Name, path + ".name"}}
	if e.DateInformation != nil {
		texts = append(texts, struct{ raw, path string }{string(e.DateInformation.Date), path + ".dateInformation.date"})
	}
	for _, k := range slices.Sorted(maps.Keys(e.URLs)) {
		texts = append(texts, struct{ raw, path string }{e.URLs[k], path + ".URLs." + k})
	}
	for list, fields := range map[string][]walletv1.Field{"additionalInfoFields": e.AdditionalInfoFields, "backFields": e.BackFields} {
		for j, f := range fields {
			fp := fmt.Sprintf("%s.%s[%d]", path, list, j)
			texts = append(texts, struct{ raw, path string }{f.Label, fp + ".label"}, struct{ raw, path string }{f.Value, fp + ".value"}, struct{ raw, path string }{string(f.ChangeMessage), fp + ".changeMessage"})
			if err := t.parseField(f, fp); err != nil {
				return err
			}
		}
	}
	for _, x := range texts {
		if err := t.parse(x.raw, x.path); err != nil {
			return err
		}
	}
	return t.parseTree(semanticsTree(e.Semantics), path+".semantics")
}

// parseTree parses every string of a JSON tree as a template text.
func (t *Template) parseTree(v any, path string) error {
	switch x := v.(type) {
	case string:
		return t.parse(x, path)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := t.parseTree(x[k], path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := t.parseTree(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// fillTree fills the placeholders of every string of a JSON tree, in place.
func (t *Template) fillTree(v any, values *fillValues, path string) (any, error) {
	switch x := v.(type) {
	case string:
		return t.fill(x, values, path)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			filled, err := t.fillTree(x[k], values, path+"."+k)
			if err != nil {
				return nil, err
			}
			x[k] = filled
		}
	case []any:
		for i, e := range x {
			filled, err := t.fillTree(e, values, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			x[i] = filled
		}
	}
	return v, nil
}

// semanticsTree is a Semantics as JSON values (numbers kept as written).
func semanticsTree(s *walletv1.Semantics) map[string]any {
	if s == nil {
		return nil
	}
	if m := treeOf(s); len(m) > 0 {
		return m
	}
	return nil
}

// semantics merges the pass's tags over the template's (key by key), fills
// their placeholders, and checks that every date is ISO 8601 once filled.
func (t *Template) semantics(tpl, pass *walletv1.Semantics, values *fillValues, path string) (map[string]any, error) {
	merged := semanticsTree(tpl)
	if own := semanticsTree(pass); own != nil {
		if merged == nil {
			merged = map[string]any{}
		}
		maps.Copy(merged, own)
	}
	if merged == nil {
		return nil, nil
	}
	if _, err := t.fillTree(merged, values, path); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(merged)) {
		date, _ := merged[k].(string)
		if k == "eventStartDateInfo" {
			date, _ = merged[k].(map[string]any)["date"].(string)
			k += ".date"
		} else if !strings.HasSuffix(k, "Date") {
			continue
		}
		if !isISODate(date) {
			return nil, errorf(walletv1.ReasonInvalidData, path+"."+k, "%q is not an ISO 8601 date and time such as 2026-12-12T19:30:00+01:00, which semantic tag %s needs", date, k)
		}
	}
	return merged, nil
}

func isISODate(v string) bool {
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, v); err == nil {
			return true
		}
	}
	return false
}

// modern adds to pj the keys of iOS 18 and later, and checks what the
// preferred style schemes need: a scheme Wallet would refuse is not signed.
func (t *Template) modern(pj *passjson.Pass, pass *walletv1.Pass, values *fillValues) error {
	spec := t.spec
	var err error
	if pj.Semantics, err = t.semantics(spec.Semantics, pass.Spec.Semantics, values, "spec.semantics"); err != nil {
		return err
	}
	for _, s := range spec.PreferredStyleSchemes {
		pj.PreferredStyleSchemes = append(pj.PreferredStyleSchemes, string(s))
	}
	pj.AssociatedStoreIdentifiers = spec.AssociatedStoreIdentifiers
	if pj.AppLaunchURL, err = t.fill(spec.AppLaunchURL, values, "spec.appLaunchURL"); err != nil {
		return err
	}
	if pj.UserInfo, err = mergeObjects(spec.UserInfo, pass.Spec.UserInfo); err != nil {
		return errorf(walletv1.ReasonInvalidData, "spec.userInfo", "%v", err)
	}
	r := spec.Relevance
	if pass.Spec.Relevance != nil {
		r = pass.Spec.Relevance
	}
	if r != nil {
		for _, d := range r.Dates {
			pj.RelevantDates = append(pj.RelevantDates, passjson.RelevantDate{Date: isoTime(d.Date), StartDate: isoTime(d.StartDate), EndDate: isoTime(d.EndDate)})
		}
		if len(r.Dates) > 0 && r.RelevantDate == nil {
			// Older iPhones read relevantDate only.
			first := pj.RelevantDates[0]
			pj.RelevantDate = first.Date + first.StartDate
		}
	}
	if pj.UpcomingPassInformation, err = t.upcoming(pass, values); err != nil {
		return err
	}
	if pj.NFC, err = t.nfc(values); err != nil {
		return err
	}
	return t.checkSchemes(pj, pass)
}

// upcoming renders the template's events, a pass's entry replacing the
// template's of the same identifier.
func (t *Template) upcoming(pass *walletv1.Pass, values *fillValues) ([]passjson.UpcomingEntry, error) {
	type entry struct {
		walletv1.UpcomingPassInformationEntry
		path string
	}
	var entries []entry
	for i, e := range t.spec.UpcomingPassInformation {
		entries = append(entries, entry{e, fmt.Sprintf("spec.upcomingPassInformation[%d]", i)})
	}
	for i, e := range pass.Spec.UpcomingPassInformation {
		own := entry{e, fmt.Sprintf("spec.upcomingPassInformation[%d]", i)}
		if j := slices.IndexFunc(entries, func(x entry) bool { return x.Identifier == e.Identifier }); j >= 0 {
			entries[j] = own
		} else {
			entries = append(entries, own)
		}
	}
	var out []passjson.UpcomingEntry
	for _, e := range entries {
		r := passjson.UpcomingEntry{Type: e.Type, Identifier: e.Identifier, IsActive: e.IsActive, AuxiliaryStoreIdentifiers: e.AuxiliaryStoreIdentifiers}
		if r.Type == "" {
			r.Type = "event"
		}
		var err error
		if r.Name, err = t.fill(e.Name, values, e.path+".name"); err != nil {
			return nil, err
		}
		if r.Semantics, err = t.semantics(e.Semantics, nil, values, e.path+".semantics"); err != nil {
			return nil, err
		}
		for j, f := range e.AdditionalInfoFields {
			fj, err := t.field(f, walletv1.FieldOverride{}, values, fmt.Sprintf("%s.additionalInfoFields[%d]", e.path, j))
			if err != nil {
				return nil, err
			}
			r.AdditionalInfoFields = append(r.AdditionalInfoFields, fj)
		}
		for j, f := range e.BackFields {
			fj, err := t.field(f, walletv1.FieldOverride{}, values, fmt.Sprintf("%s.backFields[%d]", e.path, j))
			if err != nil {
				return nil, err
			}
			r.BackFields = append(r.BackFields, fj)
		}
		if d := e.DateInformation; d != nil {
			r.DateInformation = treeOf(d)
			if d.Date != "" {
				date, err := t.fill(string(d.Date), values, e.path+".dateInformation.date")
				if err != nil {
					return nil, err
				}
				if !isISODate(date) {
					return nil, errorf(walletv1.ReasonInvalidData, e.path+".dateInformation.date", "%q is not an ISO 8601 date and time such as 2026-12-12T19:30:00+01:00", date)
				}
				r.DateInformation["date"] = date
			}
		}
		for _, k := range slices.Sorted(maps.Keys(e.URLs)) {
			u, err := t.fill(e.URLs[k], values, e.path+".URLs."+k)
			if err != nil {
				return nil, err
			}
			if r.URLs == nil {
				r.URLs = map[string]any{}
			}
			r.URLs[k] = u
		}
		if e.Images != nil {
			r.Images = treeOf(e.Images)
		}
		out = append(out, r)
	}
	return out, nil
}

// treeOf is a value as a JSON object.
func treeOf(v any) map[string]any {
	data, _ := json.Marshal(v) // API types always marshal
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	_ = dec.Decode(&m)
	return m
}

// maxNFCMessage is the most an Apple VAS terminal reads.
const maxNFCMessage = 64

// nfc renders spec.nfc; an anonymized pass whose message was its holder's
// has none.
func (t *Template) nfc(values *fillValues) (*passjson.NFC, error) {
	n := t.spec.NFC
	if n == nil {
		return nil, nil
	}
	msg, err := t.fill(n.Message, values, "spec.nfc.message")
	if err != nil {
		return nil, err
	}
	switch {
	case msg == "" && values.lenient:
		return nil, nil
	case msg == "":
		return nil, errorf(walletv1.ReasonInvalidData, "spec.nfc.message", "the NFC message is empty once filled")
	case len(msg) > maxNFCMessage:
		return nil, errorf(walletv1.ReasonInvalidData, "spec.nfc.message", "the NFC message has %d bytes once filled; an Apple VAS terminal reads at most %d", len(msg), maxNFCMessage)
	}
	return &passjson.NFC{Message: msg, EncryptionPublicKey: t.nfcKey, RequiresAuthentication: n.RequiresAuthentication}, nil
}

func isoTime(t *metav1.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// checkSchemes: each preferred scheme has the tags and images it needs.
func (t *Template) checkSchemes(pj *passjson.Pass, pass *walletv1.Pass) error {
	for _, scheme := range t.spec.PreferredStyleSchemes {
		needs, ok := schemeNeeds[scheme]
		if !ok {
			continue
		}
		var missing []string
		for _, tag := range needs.tags {
			if !slices.ContainsFunc(strings.Split(tag, "|"), func(k string) bool { return present(pj.Semantics[k]) }) {
				missing = append(missing, "semantics."+strings.ReplaceAll(tag, "|", " or semantics."))
			}
		}
		for _, img := range needs.images {
			has := func(i walletv1.Image) bool { return i.Type == img }
			if !slices.ContainsFunc(t.spec.Images, has) && !slices.ContainsFunc(pass.Spec.Images, has) {
				missing = append(missing, "an "+string(img)+" image")
			}
		}
		if len(missing) > 0 {
			return errorf(walletv1.ReasonStyleSchemeUnmet, "spec.preferredStyleSchemes",
				"preferred style scheme %s needs %s; Wallet would fall back to the classic layout", scheme, strings.Join(missing, ", "))
		}
	}
	return nil
}

func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	}
	return true
}

// mergeObjects merges JSON objects key by key, later over earlier; nil
// when all are empty.
func mergeObjects(objects ...*apiextensionsv1.JSON) (json.RawMessage, error) {
	merged := map[string]json.RawMessage{}
	for _, o := range objects {
		raw := rawOf(o)
		if len(raw) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("not a JSON object: %v", err)
		}
		maps.Copy(merged, m)
	}
	if len(merged) == 0 {
		return nil, nil
	}
	return json.Marshal(merged)
}

// rawOf is the JSON an optional object holds, nil for none.
func rawOf(o *apiextensionsv1.JSON) []byte {
	if o == nil || string(o.Raw) == "null" {
		return nil
	}
	return o.Raw
}

// passJSONKeys lists the keys of a passJSON, refusing reserved ones.
func passJSONKeys(o *apiextensionsv1.JSON, path string) ([]string, error) {
	raw := rawOf(o)
	if len(raw) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errorf(walletv1.ReasonInvalidData, path, "not a JSON object: %v", err)
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		if slices.Contains(reservedKeys, k) {
			return nil, errorf(walletv1.ReasonReservedKey, path+"."+k, "%s is set by the operator and cannot be given in passJSON (reserved: %s)", k, strings.Join(reservedKeys, ", "))
		}
	}
	return keys, nil
}

// UnmodelledKeys are the pass.json keys the pass gets through passJSON
// (its template's and its own): the Ready message names them so nobody
// mistakes them for the typed API.
func (t *Template) UnmodelledKeys(pass *walletv1.Pass) []string {
	a, _ := passJSONKeys(t.spec.PassJSON, "spec.passJSON")
	b, _ := passJSONKeys(pass.Spec.PassJSON, "spec.passJSON")
	return slices.Compact(slices.Sorted(slices.Values(append(a, b...))))
}

// withPassJSON merges the template's and the pass's passJSON last into an
// encoded pass.json, key by key.
func (t *Template) withPassJSON(encoded []byte, pass *walletv1.Pass) ([]byte, error) {
	if _, err := passJSONKeys(pass.Spec.PassJSON, "spec.passJSON"); err != nil {
		return nil, err
	}
	extra, err := mergeObjects(t.spec.PassJSON, pass.Spec.PassJSON)
	if err != nil || extra == nil {
		return encoded, err
	}
	var base, add map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &base); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(extra, &add); err != nil {
		return nil, err
	}
	maps.Copy(base, add)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(base); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
