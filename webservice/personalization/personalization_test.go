package personalization

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// What a sign-up must hold, and that errors never quote a detail.
func TestCheck(t *testing.T) {
	form := &walletv1.Personalization{Description: "Join", RequiredPersonalizationFields: []walletv1.PersonalizationField{
		walletv1.PersonalizationName, walletv1.PersonalizationEmailAddress, walletv1.PersonalizationPhoneNumber, walletv1.PersonalizationPostalCode}}
	good := Info{GivenName: "Jana", FamilyName: "Dvořáková", EmailAddress: "jana@example.com", PhoneNumber: "+420 601 234 567", PostalCode: "110 00", ISOCountryCode: "CZ"}
	if d, err := Check(form, Request{PersonalizationToken: "tok", RequiredPersonalizationInfo: good}); err != nil || d["familyName"] != "Dvořáková" || len(d) != 6 {
		t.Fatalf("a good sign-up: %v %v", d, err)
	}
	for name, change := range map[string]func(*Request){
		"no token":            func(r *Request) { r.PersonalizationToken = "" },
		"a token with spaces": func(r *Request) { r.PersonalizationToken = "a b" },
		"a long token":        func(r *Request) { r.PersonalizationToken = strings.Repeat("t", 1025) },
		"half a name":         func(r *Request) { r.RequiredPersonalizationInfo.FamilyName = "" },
		"no e-mail":           func(r *Request) { r.RequiredPersonalizationInfo.EmailAddress = "" },
		"a named e-mail":      func(r *Request) { r.RequiredPersonalizationInfo.EmailAddress = "Jana <secret@example.com>" },
		"letters for a phone": func(r *Request) { r.RequiredPersonalizationInfo.PhoneNumber = "secret" },
		"a long postal code":  func(r *Request) { r.RequiredPersonalizationInfo.PostalCode = "secret-secret-secret" },
		"a country by name":   func(r *Request) { r.RequiredPersonalizationInfo.ISOCountryCode = "Czechia" },
		"markup in a name":    func(r *Request) { r.RequiredPersonalizationInfo.GivenName = "<secret>" },
		"a control character": func(r *Request) { r.RequiredPersonalizationInfo.FamilyName = "Dvo\x00secret" },
	} {
		req := Request{PersonalizationToken: "tok", RequiredPersonalizationInfo: good}
		change(&req)
		_, err := Check(form, req)
		if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "Czechia") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Details go under the template's keys, and read back by Apple's names.
func TestMergeAndDetails(t *testing.T) {
	form := &walletv1.Personalization{DataKeys: map[string]string{"fullName": "member"}}
	data, err := Merge(form, []byte(`{"number": "000101", "member": "old"}`), map[string]string{"fullName": "Jana", "emailAddress": "jana@example.com"})
	if err != nil || string(data) != `{"emailAddress":"jana@example.com","member":"Jana","number":"000101"}` {
		t.Fatalf("%s %v", data, err)
	}
	p := &walletv1.Pass{}
	p.Spec.Data = &apiextensionsv1.JSON{Raw: data}
	if d := Details(form, p); d["fullName"] != "Jana" || d["emailAddress"] != "jana@example.com" || len(d) != 2 {
		t.Errorf("details: %v", d)
	}
	p.Spec.Anonymized = true
	if d := Details(form, p); d != nil {
		t.Errorf("an anonymized pass's details: %v", d)
	}
}
