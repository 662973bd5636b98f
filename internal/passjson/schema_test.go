package passjson

import (
	"strings"
	"testing"
)

// The schema holds Apple's rules: a pass that breaks one is refused, with
// the place named.
func TestSchemaRefusesWhatAppleRefuses(t *testing.T) {
	const good = `{"formatVersion":1,"passTypeIdentifier":"pass.com.example","serialNumber":"1","teamIdentifier":"A1B2C3D4E5","organizationName":"Org","description":"D","eventTicket":{"primaryFields":[{"key":"e","value":"Jazz"}]}`
	if err := Validate([]byte(good + `}`)); err != nil {
		t.Fatalf("a minimal event ticket: %v", err)
	}
	for name, tc := range map[string]struct{ extra, where string }{
		"two styles":                 {`,"coupon":{}`, ""},
		"a semantic tag Apple lacks": {`,"semantics":{"eventNam":"x"}`, "eventNam"},
		"a date that is not ISO":     {`,"semantics":{"eventStartDate":"tomorrow"}`, "eventStartDate"},
		"a price without currency":   {`,"semantics":{"totalPrice":{"amount":"12"}}`, "totalPrice"},
		"an interval without end":    {`,"relevantDates":[{"startDate":"2026-12-12T19:00:00Z"}]`, "relevantDates"},
		"an unknown scheme":          {`,"preferredStyleSchemes":["poster"]`, "preferredStyleSchemes"},
		"a token without a service":  {`,"authenticationToken":"0123456789abcdef0"`, ""},
		"a style key set to null":    {`,"storeCard":null`, ""},
	} {
		err := Validate([]byte(good + tc.extra + `}`))
		if err == nil || !strings.Contains(err.Error(), tc.where) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
