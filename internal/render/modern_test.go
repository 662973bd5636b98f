package render

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// poster is a poster event ticket as Apple describes it: the scheme, the
// event's semantic tags, its artwork, and the classic fields for older
// iPhones.
func poster() *walletv1.PassTemplate {
	ref := func(k string) *walletv1.KeyReference { return &walletv1.KeyReference{Name: "img", Key: k} }
	at := func(s string) *metav1.Time { t, _ := time.Parse(time.RFC3339, s); return &metav1.Time{Time: t} }
	return &walletv1.PassTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "jazz-night"},
		Spec: walletv1.PassTemplateSpec{
			Style: walletv1.StyleEventTicket, OrganizationName: "Lucerna", Description: "Jazz Night ticket",
			PreferredStyleSchemes: []walletv1.StyleScheme{walletv1.SchemePosterEventTicket, walletv1.SchemeEventTicket},
			Semantics: &walletv1.Semantics{
				EventName: "Jazz Night", VenueName: "Lucerna Music Bar", EventType: "PKEventTypeLivePerformance",
				EventStartDate: "2026-12-12T19:30:00+01:00", VenueLocation: &walletv1.SemanticLocation{Latitude: 50.0813, Longitude: 14.4253},
				PerformerNames: []string{"The Prague Quartet"},
				Seats:          []walletv1.SemanticSeat{{SeatSection: "{{ .data.section }}", SeatRow: "{{ .data.row }}", SeatNumber: "{{ .data.seat }}"}},
				TotalPrice:     &walletv1.SemanticCurrencyAmount{Amount: "{{ .data.price }}", CurrencyCode: "CZK"},
			},
			Fields: walletv1.PassFields{
				Primary:   []walletv1.Field{{Key: "event", Label: "Event", Value: "Jazz Night"}},
				Auxiliary: []walletv1.Field{{Key: "seat", Label: "Seat", Value: "{{ .data.seat }}", Row: ptr(int32(1)), Semantics: &walletv1.Semantics{Seats: []walletv1.SemanticSeat{{SeatNumber: "{{ .data.seat }}"}}}}},
				Back:      []walletv1.Field{{Key: "web", Label: "Programme", Value: "lucerna.cz", AttributedValue: "<a href='https://lucerna.cz'>Programme</a>"}},
			},
			Relevance: &walletv1.Relevance{Dates: []walletv1.RelevantDate{
				{StartDate: at("2026-12-12T17:30:00Z"), EndDate: at("2026-12-12T23:00:00Z")},
				{Date: at("2026-12-13T17:30:00Z")},
			}},
			AssociatedStoreIdentifiers: []int64{1234567890},
			AppLaunchURL:               "lucerna://ticket/{{ .serialNumber }}",
			Images: []walletv1.Image{
				{Type: walletv1.ImageIcon, ConfigMapKeyRef: ref("icon")},
				{Type: walletv1.ImageArtwork, ConfigMapKeyRef: ref("artwork")},
				{Type: walletv1.ImageBackground, ConfigMapKeyRef: ref("background")},
			},
		},
	}
}

func posterPass() *walletv1.Pass {
	p := couponPass(`{"section": "Balcony", "row": "B", "seat": "14", "price": "890"}`)
	p.Spec.TemplateRef.Name = "jazz-night"
	p.Spec.Semantics = &walletv1.Semantics{AttendeeName: "Jana Nováková"}
	return p
}

func renderPass(t *testing.T, tpl *walletv1.PassTemplate, p *walletv1.Pass) (map[string]any, error) {
	t.Helper()
	compiled, err := CompileTemplate(tpl, images)
	if err != nil {
		return nil, err
	}
	files, err := compiled.Render(p, images, testOptions)
	if err != nil {
		return nil, err
	}
	if err := passjson.Validate(files[pkpass.PassJSON]); err != nil {
		t.Fatalf("pass.json breaks the schema: %v\n%s", err, files[pkpass.PassJSON])
	}
	var pj map[string]any
	if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
		t.Fatal(err)
	}
	return pj, nil
}

// A poster event ticket renders with its scheme, its semantic tags (the
// pass's merged over the template's, placeholders filled), its relevant
// intervals, and relevantDate for older iPhones; it is valid against the
// schema of Apple's pass.json.
func TestPosterEventTicket(t *testing.T) {
	pj, err := renderPass(t, poster(), posterPass())
	if err != nil {
		t.Fatal(err)
	}
	sem := pj["semantics"].(map[string]any)
	if sem["eventName"] != "Jazz Night" || sem["attendeeName"] != "Jana Nováková" || sem["venueLocation"].(map[string]any)["latitude"] != 50.0813 {
		t.Errorf("semantics: %v", sem)
	}
	if seat := sem["seats"].([]any)[0].(map[string]any); seat["seatSection"] != "Balcony" || seat["seatNumber"] != "14" {
		t.Errorf("the seat's placeholders: %v", seat)
	}
	if price := sem["totalPrice"].(map[string]any); price["amount"] != "890" || price["currencyCode"] != "CZK" {
		t.Errorf("totalPrice: %v", price)
	}
	if s := pj["preferredStyleSchemes"].([]any); len(s) != 2 || s[0] != "posterEventTicket" {
		t.Errorf("preferredStyleSchemes: %v", s)
	}
	dates := pj["relevantDates"].([]any)
	if len(dates) != 2 || dates[0].(map[string]any)["startDate"] != "2026-12-12T17:30:00Z" || dates[1].(map[string]any)["date"] != "2026-12-13T17:30:00Z" {
		t.Errorf("relevantDates: %v", dates)
	}
	if pj["relevantDate"] != "2026-12-12T17:30:00Z" {
		t.Errorf("relevantDate for older iPhones: %v", pj["relevantDate"])
	}
	aux := pj["eventTicket"].(map[string]any)["auxiliaryFields"].([]any)[0].(map[string]any)
	if aux["row"] != 1.0 || aux["semantics"].(map[string]any)["seats"].([]any)[0].(map[string]any)["seatNumber"] != "14" {
		t.Errorf("auxiliary field: %v", aux)
	}
	if pj["appLaunchURL"] != "lucerna://ticket/c-1" || pj["associatedStoreIdentifiers"].([]any)[0] != 1234567890.0 {
		t.Errorf("app: %v %v", pj["appLaunchURL"], pj["associatedStoreIdentifiers"])
	}
}

// What a scheme needs is checked before signing; the reason names the
// scheme and what is missing.
func TestStyleSchemeRequirements(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(*walletv1.PassTemplate)
		want   []string
	}{
		"no venue":   {func(tpl *walletv1.PassTemplate) { tpl.Spec.Semantics.VenueName = "" }, []string{"posterEventTicket", "semantics.venueName"}},
		"no start":   {func(tpl *walletv1.PassTemplate) { tpl.Spec.Semantics.EventStartDate = "" }, []string{"semantics.eventStartDate or semantics.eventStartDateInfo"}},
		"no artwork": {func(tpl *walletv1.PassTemplate) { tpl.Spec.Images = tpl.Spec.Images[:1] }, []string{"an artwork image"}},
		"a flight scheme on a train": {func(tpl *walletv1.PassTemplate) {
			tpl.Spec.Style, tpl.Spec.TransitType, tpl.Spec.Images = walletv1.StyleBoardingPass, "PKTransitTypeTrain", tpl.Spec.Images[:1]
			tpl.Spec.PreferredStyleSchemes = []walletv1.StyleScheme{walletv1.SchemeSemanticBoardingPass}
		}, []string{"PKTransitTypeAir"}},
		"a flight without its airports": {func(tpl *walletv1.PassTemplate) {
			tpl.Spec.Style, tpl.Spec.TransitType, tpl.Spec.Images = walletv1.StyleBoardingPass, "PKTransitTypeAir", tpl.Spec.Images[:1]
			tpl.Spec.PreferredStyleSchemes = []walletv1.StyleScheme{walletv1.SchemeSemanticBoardingPass}
			tpl.Spec.Semantics = &walletv1.Semantics{AirlineCode: "OK", FlightNumber: ptr(int64(650))}
		}, []string{"semanticBoardingPass", "semantics.departureAirportCode", "semantics.destinationAirportCode", "semantics.originalDepartureDate"}},
	} {
		tpl := poster()
		tc.change(tpl)
		_, err := renderPass(t, tpl, posterPass())
		var rerr *Error
		if !errors.As(err, &rerr) || rerr.Reason != walletv1.ReasonStyleSchemeUnmet {
			t.Errorf("%s: %v; want %s", name, err, walletv1.ReasonStyleSchemeUnmet)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not name %s", name, err, w)
			}
		}
	}
}

// A semantic date is ISO 8601 once filled.
func TestSemanticDatesAreChecked(t *testing.T) {
	tpl := poster()
	tpl.Spec.Semantics.EventEndDate = "{{ .data.row }}"
	_, err := renderPass(t, tpl, posterPass())
	if err == nil || !strings.Contains(err.Error(), "spec.semantics.eventEndDate") || !strings.Contains(err.Error(), "ISO 8601") {
		t.Fatalf("%v", err)
	}
}

// passJSON passes next year's keys through, merged last (the pass's over
// the template's), and refuses the keys the operator owns.
func TestPassJSONEscapeHatch(t *testing.T) {
	tpl := poster()
	tpl.Spec.PassJSON = &apiextensionsv1.JSON{Raw: []byte(`{"eventLogoText": "LUCERNA", "footerBackgroundColor": "rgb(0, 0, 0)"}`)}
	p := posterPass()
	p.Spec.PassJSON = &apiextensionsv1.JSON{Raw: []byte(`{"eventLogoText": "VIP"}`)}
	pj, err := renderPass(t, tpl, p)
	if err != nil {
		t.Fatal(err)
	}
	if pj["eventLogoText"] != "VIP" || pj["footerBackgroundColor"] != "rgb(0, 0, 0)" || pj["serialNumber"] != "c-1" {
		t.Errorf("merged: %v %v", pj["eventLogoText"], pj["footerBackgroundColor"])
	}
	compiled, _ := CompileTemplate(tpl, images)
	if keys := compiled.UnmodelledKeys(p); strings.Join(keys, ",") != "eventLogoText,footerBackgroundColor" {
		t.Errorf("unmodelled keys: %v", keys)
	}
	p.Spec.PassJSON = &apiextensionsv1.JSON{Raw: []byte(`{"serialNumber": "someone-else"}`)}
	_, err = renderPass(t, tpl, p)
	var rerr *Error
	if !errors.As(err, &rerr) || rerr.Reason != walletv1.ReasonReservedKey || rerr.Field != "spec.passJSON.serialNumber" {
		t.Errorf("a reserved key: %v", err)
	}
	tpl.Spec.PassJSON = &apiextensionsv1.JSON{Raw: []byte(`{"webServiceURL": "https://evil.example"}`)}
	if _, err := CompileTemplate(tpl, images); !errors.As(err, &rerr) || rerr.Reason != walletv1.ReasonReservedKey {
		t.Errorf("a template's reserved key: %v", err)
	}
}

// An anonymized pass keeps none of its own semantic tags (an attendee's
// name, a seat).
func TestAnonymizedPassDropsItsSemantics(t *testing.T) {
	compiled, err := CompileTemplate(poster(), images)
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions
	o.Anonymize = true
	tpl := poster()
	tpl.Spec.Semantics.Seats = nil
	tpl.Spec.Semantics.TotalPrice = nil
	tpl.Spec.Fields.Auxiliary = nil
	if compiled, err = CompileTemplate(tpl, images); err != nil {
		t.Fatal(err)
	}
	files, err := compiled.Render(posterPass(), images, o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(files[pkpass.PassJSON]), "Nováková") {
		t.Errorf("the attendee's name survived anonymization: %s", files[pkpass.PassJSON])
	}
}

// A season pass lists its matches (upcomingPassInformation); a pass's entry
// replaces its template's of the same identifier, placeholders filled.
func TestUpcomingEvents(t *testing.T) {
	tpl := poster()
	tpl.Spec.UpcomingPassInformation = []walletv1.UpcomingPassInformationEntry{
		{Identifier: "day-1", Name: "Day one", DateInformation: &walletv1.UpcomingDateInformation{Date: "2026-12-12T19:30:00+01:00", TimeZone: "Europe/Prague"},
			Semantics: &walletv1.Semantics{VenueName: "Lucerna"}, URLs: map[string]string{"orderFoodURL": "https://lucerna.cz/food/{{ .serialNumber }}"},
			AdditionalInfoFields: []walletv1.Field{{Key: "gate", Label: "Gate", Value: "{{ .data.section }}"}}},
		{Identifier: "day-2", Name: "Day two", Images: &walletv1.UpcomingImages{VenueMap: &walletv1.UpcomingImage{ReuseExisting: ptr(true)}}},
	}
	p := posterPass()
	p.Spec.UpcomingPassInformation = []walletv1.UpcomingPassInformationEntry{
		{Identifier: "day-2", Name: "Day two (moved)", IsActive: true, DateInformation: &walletv1.UpcomingDateInformation{IsUnannounced: true}},
		{Identifier: "after-party", Name: "After party for {{ .data.row }}"},
	}
	pj, err := renderPass(t, tpl, p)
	if err != nil {
		t.Fatal(err)
	}
	entries := pj["upcomingPassInformation"].([]any)
	one, two := entries[0].(map[string]any), entries[1].(map[string]any)
	if len(entries) != 3 || entries[2].(map[string]any)["name"] != "After party for B" {
		t.Errorf("the pass's own event is not added after the template's: %v", entries)
	}
	if one["type"] != "event" || one["URLs"].(map[string]any)["orderFoodURL"] != "https://lucerna.cz/food/c-1" ||
		one["additionalInfoFields"].([]any)[0].(map[string]any)["value"] != "Balcony" || one["dateInformation"].(map[string]any)["timeZone"] != "Europe/Prague" {
		t.Errorf("day one: %v", one)
	}
	if two["name"] != "Day two (moved)" || two["isActive"] != true || two["images"] != nil {
		t.Errorf("day two, replaced by the pass: %v", two)
	}
	tpl.Spec.UpcomingPassInformation[0].DateInformation.Date = "{{ .data.row }}"
	if _, err := renderPass(t, tpl, p); err == nil || !strings.Contains(err.Error(), "dateInformation.date") {
		t.Errorf("a date that is not ISO 8601: %v", err)
	}
}

// NFC: the terminal's key is read as openssl writes it (PEM, compressed or
// not) and written as Apple asks (base64 SubjectPublicKeyInfo, the same
// bytes openssl gives in DER); a key that is not P-256, or a message over
// 64 bytes, is refused.
func TestNFC(t *testing.T) {
	dir := t.TempDir()
	openssl := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command("openssl", args...).Output()
		if err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		return out
	}
	openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", dir+"/terminal.pem")
	openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", dir+"/rsa.pem")
	keys := map[string][]byte{
		"compressed":   openssl("ec", "-in", dir+"/terminal.pem", "-pubout", "-conv_form", "compressed"),
		"uncompressed": openssl("ec", "-in", dir+"/terminal.pem", "-pubout"),
		"rsa":          openssl("pkey", "-in", dir+"/rsa.pem", "-pubout"),
	}
	derOf := map[string][]byte{
		"compressed":   openssl("ec", "-in", dir+"/terminal.pem", "-pubout", "-conv_form", "compressed", "-outform", "DER"),
		"uncompressed": openssl("ec", "-in", dir+"/terminal.pem", "-pubout", "-outform", "DER"),
	}
	for _, form := range []string{"compressed", "uncompressed"} {
		tpl := poster()
		tpl.Spec.NFC = &walletv1.NFC{Message: "MEMBER-{{ .data.seat }}", RequiresAuthentication: true,
			EncryptionPublicKey: walletv1.KeySource{ConfigMapKeyRef: &walletv1.KeyReference{Name: "nfc", Key: form}}}
		src := func(img walletv1.Image) ([]byte, error) {
			if img.ConfigMapKeyRef != nil && img.ConfigMapKeyRef.Name == "nfc" {
				return keys[img.ConfigMapKeyRef.Key], nil
			}
			return images(img)
		}
		compiled, err := CompileTemplate(tpl, src)
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		files, err := compiled.Render(posterPass(), src, testOptions)
		if err != nil {
			t.Fatal(err)
		}
		if err := passjson.Validate(files[pkpass.PassJSON]); err != nil {
			t.Fatal(err)
		}
		pj, _ := passjson.Parse(files[pkpass.PassJSON])
		if pj.NFC == nil || pj.NFC.Message != "MEMBER-14" || !pj.NFC.RequiresAuthentication || pj.NFC.EncryptionPublicKey != base64.StdEncoding.EncodeToString(derOf[form]) {
			t.Errorf("%s: nfc %+v", form, pj.NFC)
		}
		tpl.Spec.NFC.Message = strings.Repeat("x", 65)
		compiled, _ = CompileTemplate(tpl, src)
		if _, err := compiled.Render(posterPass(), src, testOptions); err == nil || !strings.Contains(err.Error(), "at most 64") {
			t.Errorf("a 65-byte message: %v", err)
		}
	}
	tpl := poster()
	tpl.Spec.NFC = &walletv1.NFC{Message: "x", EncryptionPublicKey: walletv1.KeySource{ConfigMapKeyRef: &walletv1.KeyReference{Name: "nfc", Key: "rsa"}}}
	_, err := CompileTemplate(tpl, func(img walletv1.Image) ([]byte, error) {
		if img.ConfigMapKeyRef.Name == "nfc" {
			return keys["rsa"], nil
		}
		return images(img)
	})
	if err == nil || !strings.Contains(err.Error(), "spec.nfc.encryptionPublicKey") || !strings.Contains(err.Error(), "elliptic-curve") {
		t.Errorf("an RSA key: %v", err)
	}
}
