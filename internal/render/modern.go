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
func (t *Template) compileModern() error {
	if err := t.parseTree(semanticsTree(t.spec.Semantics), "spec.semantics"); err != nil {
		return err
	}
	for _, s := range sections(t.spec.Fields) {
		for i, f := range s.fields {
			field := fmt.Sprintf("%s[%d]", s.path, i)
			if err := t.parseTree(semanticsTree(f.Semantics), field+".semantics"); err != nil {
				return err
			}
			if err := t.parse(f.AttributedValue, field+".attributedValue"); err != nil {
				return err
			}
		}
	}
	if err := t.parse(t.spec.AppLaunchURL, "spec.appLaunchURL"); err != nil {
		return err
	}
	if slices.Contains(t.spec.PreferredStyleSchemes, walletv1.SchemeSemanticBoardingPass) && t.spec.TransitType != "PKTransitTypeAir" {
		return errorf(walletv1.ReasonStyleSchemeUnmet, "spec.preferredStyleSchemes", "semanticBoardingPass is for flights: set transitType PKTransitTypeAir, or remove the scheme")
	}
	_, err := passJSONKeys(t.spec.PassJSON, "spec.passJSON")
	return err
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
	data, _ := json.Marshal(s) // a struct of strings, numbers and bools always marshals
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	_ = dec.Decode(&m)
	if len(m) == 0 {
		return nil
	}
	return m
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
	return t.checkSchemes(pj, pass)
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
