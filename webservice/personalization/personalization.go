// Package personalization is Apple's Rewards Enrollment on the web
// service's side: the details a holder sends from Wallet's sign-up form,
// checked against what the template asks for, and where they go in the
// Pass's data. The details are personal data: nothing here logs them, and
// errors never quote them.
package personalization

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// MaxBody bounds a sign-up request: a token and a few short details.
const MaxBody = 8 << 10

// maxToken bounds the personalization token Wallet sends.
const maxToken = 1024

// Request is the body Wallet posts to the personalize endpoint.
type Request struct {
	PersonalizationToken        string `json:"personalizationToken"`
	RequiredPersonalizationInfo Info   `json:"requiredPersonalizationInfo"`
}

// Info is Apple's PersonalizationDictionary.RequiredPersonalizationInfo.
type Info struct {
	FullName       string `json:"fullName,omitempty"`
	GivenName      string `json:"givenName,omitempty"`
	FamilyName     string `json:"familyName,omitempty"`
	EmailAddress   string `json:"emailAddress,omitempty"`
	PhoneNumber    string `json:"phoneNumber,omitempty"`
	PostalCode     string `json:"postalCode,omitempty"`
	ISOCountryCode string `json:"ISOCountryCode,omitempty"`
}

// Keys are Apple's names of the details, in the order they are checked.
var Keys = []string{"fullName", "givenName", "familyName", "emailAddress", "phoneNumber", "postalCode", "ISOCountryCode"}

func (i Info) byKey() map[string]string {
	return map[string]string{"fullName": i.FullName, "givenName": i.GivenName, "familyName": i.FamilyName,
		"emailAddress": i.EmailAddress, "phoneNumber": i.PhoneNumber, "postalCode": i.PostalCode, "ISOCountryCode": i.ISOCountryCode}
}

var (
	phonePattern   = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,30}[0-9]$`)
	postalPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	tokenPattern   = regexp.MustCompile(`^[\x21-\x7e]+$`)
)

// Check validates a request against the template's sign-up form: the
// token's shape, every detail the form asks for present, each detail's
// shape and length. It returns the details by Apple's name; errors say
// which detail is wrong, never its value.
func Check(p *walletv1.Personalization, req Request) (map[string]string, error) {
	if len(req.PersonalizationToken) > maxToken || !tokenPattern.MatchString(req.PersonalizationToken) {
		return nil, errors.New("personalizationToken must be 1 to 1024 printable characters")
	}
	details := map[string]string{}
	for k, v := range req.RequiredPersonalizationInfo.byKey() {
		if v = strings.TrimSpace(v); v != "" {
			details[k] = v
		}
	}
	for _, f := range p.RequiredPersonalizationFields {
		switch f {
		case walletv1.PersonalizationName:
			if details["fullName"] == "" && (details["givenName"] == "" || details["familyName"] == "") {
				return nil, errors.New("the form asks for a name: send fullName, or givenName and familyName")
			}
		case walletv1.PersonalizationEmailAddress:
			if details["emailAddress"] == "" {
				return nil, errors.New("the form asks for emailAddress")
			}
		case walletv1.PersonalizationPhoneNumber:
			if details["phoneNumber"] == "" {
				return nil, errors.New("the form asks for phoneNumber")
			}
		case walletv1.PersonalizationPostalCode:
			if details["postalCode"] == "" {
				return nil, errors.New("the form asks for postalCode")
			}
		}
	}
	for _, k := range Keys {
		v, ok := details[k]
		if !ok {
			continue
		}
		if err := checkDetail(k, v); err != nil {
			return nil, err
		}
	}
	return details, nil
}

func checkDetail(key, v string) error {
	switch key {
	case "fullName", "givenName", "familyName":
		if len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || strings.ContainsRune("<>{}", r) }) {
			return fmt.Errorf("%s must be at most 128 characters, without control characters, <, >, { or }", key)
		}
	case "emailAddress":
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || len(v) > 254 {
			return errors.New("emailAddress is not an e-mail address such as jana@example.com")
		}
	case "phoneNumber":
		if !phonePattern.MatchString(v) {
			return errors.New("phoneNumber is not a phone number such as +420 601 234 567")
		}
	case "postalCode":
		if !postalPattern.MatchString(v) {
			return errors.New("postalCode must be at most 15 letters, digits, spaces and hyphens")
		}
	case "ISOCountryCode":
		if !countryPattern.MatchString(v) {
			return errors.New("ISOCountryCode is a two-letter ISO 3166 code such as CZ")
		}
	}
	return nil
}

// DataKey is the key of the Pass's spec.data a detail is written to.
func DataKey(p *walletv1.Personalization, appleKey string) string {
	if k := p.DataKeys[appleKey]; k != "" {
		return k
	}
	return appleKey
}

// Merge writes the details into a Pass's data (a JSON object, or nil),
// under the template's keys, and returns the new data.
func Merge(p *walletv1.Personalization, data []byte, details map[string]string) ([]byte, error) {
	merged := map[string]any{}
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &merged); err != nil {
			return nil, fmt.Errorf("the pass's data is not a JSON object: %w", err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(details)) {
		merged[DataKey(p, k)] = details[k]
	}
	return json.Marshal(merged)
}

// Details reads back, by Apple's name, what a sign-up wrote into a Pass's
// data: the fields of the personalize webhook event. An anonymized pass has
// none.
func Details(p *walletv1.Personalization, pass *walletv1.Pass) map[string]string {
	if p == nil || pass.Spec.Anonymized || pass.Spec.Data == nil {
		return nil
	}
	var data map[string]any
	if json.Unmarshal(pass.Spec.Data.Raw, &data) != nil {
		return nil
	}
	out := map[string]string{}
	for _, k := range Keys {
		if v, ok := data[DataKey(p, k)].(string); ok && v != "" {
			out[k] = v
		}
	}
	return out
}
