package googlewallet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/api/walletobjects/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/testing/testenv"
	"github.com/wallet-operator/wallet-operator/internal/testing/walletschema"
)

// schema is the client library's schema (internal/testing/walletschema).
func schema(t *testing.T) walletschema.Types {
	t.Helper()
	types, err := walletschema.Load()
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// conform checks a value of walletobjects type typ as JSON against the
// schema.
func conform(t *testing.T, types walletschema.Types, typ, path string, v any) {
	t.Helper()
	for _, problem := range types.Check(typ, path, v) {
		t.Error(problem)
	}
}

func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleInputs maps every sample pass, from the pass.json the Apple
// renderer made for it (the render command's golden files).
func sampleInputs(t *testing.T) map[string]*Mapped { return sampleInputsWith(t, nil) }

// sampleInputsWith maps every sample pass with the controller's other
// inputs (expired, redeemed) set by set, when not nil.
func sampleInputsWith(t *testing.T, set func(*Input)) map[string]*Mapped {
	t.Helper()
	objs, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	modern, err := manifests.ReadKustomization(filepath.Join(testenv.RepoRoot(), "config", "samples", "modern"))
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, modern...)
	templates := map[string]*walletv1.PassTemplate{}
	var passes []*walletv1.Pass
	for _, o := range objs {
		switch o.GetKind() {
		case "PassTemplate":
			tpl := &walletv1.PassTemplate{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, tpl); err != nil {
				t.Fatal(err)
			}
			tpl.Namespace = "team-a"
			tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: "3388000000022222222"}
			templates[tpl.Name] = tpl
		case "Pass":
			p := &walletv1.Pass{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, p); err != nil {
				t.Fatal(err)
			}
			p.Namespace = "team-a"
			passes = append(passes, p)
		}
	}
	out := map[string]*Mapped{}
	for _, p := range passes {
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "cmd", "render", "testdata", p.Name+".pass.json"))
		if err != nil {
			t.Fatal(err)
		}
		pj, err := passjson.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		tpl := templates[p.Spec.TemplateRef.Name]
		in := Input{
			Pass: pj, Vertical: VerticalOf(tpl), ClassID: ClassID(tpl), ObjectID: ObjectID("", tpl, p), TransitType: tpl.Spec.TransitType,
			CallbackURL: "https://wallet.example.com/passes/google/callback",
			ImageURL: func(name string) string {
				return "https://wallet.example.com/passes/images/team-a/" + tpl.Name + "/" + name
			},
			Localizations: tpl.Spec.Localizations,
		}
		if set != nil {
			set(&in)
		}
		m, err := Map(in)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		out[p.Name] = m
	}
	return out
}

// typeName is the walletobjects type of a mapped class or object.
func typeName(v any) string { return reflect.TypeOf(v).Elem().Name() }

// Every sample template's class and every sample pass's object conform to
// the vertical's schema as the client library documents it.
func TestSamplesConformToTheClientLibrarysSchema(t *testing.T) {
	types := schema(t)
	verticals := map[walletv1.GoogleWalletVertical]bool{}
	for name, m := range sampleInputs(t) {
		t.Run(name, func(t *testing.T) {
			verticals[m.Vertical] = true
			conform(t, types, typeName(m.Class), "class", asJSON(t, m.Class))
			conform(t, types, typeName(m.Object), "object", asJSON(t, m.Object))
		})
	}
	if len(verticals) != 6 {
		t.Errorf("the samples cover verticals %v; want all six", verticals)
	}
}

// The semantic tags of a poster event ticket and of a flight fill Google's
// event ticket and flight, field by field.
func TestSemanticsMapFieldByField(t *testing.T) {
	m := sampleInputs(t)

	festival := m["festival-jana"]
	ec, eo := festival.Class.(*walletobjects.EventTicketClass), festival.Object.(*walletobjects.EventTicketObject)
	if ec.EventName.DefaultValue.Value != "Winter Jazz Festival" || ec.Venue.Name.DefaultValue.Value != "Lucerna Music Bar" || ec.Venue.Address.DefaultValue.Value != "Prague" ||
		ec.DateTime.Start != "2027-12-18T19:30:00+01:00" || ec.DateTime.End != "2027-12-19T23:00:00+01:00" || ec.DateTime.DoorsOpen != "2027-12-18T18:30:00+01:00" {
		t.Errorf("the festival's class: %+v %+v %+v", ec.EventName, ec.Venue, ec.DateTime)
	}
	if eo.TicketHolderName != "Jana Dvořáková" || eo.SeatInfo.Seat.DefaultValue.Value != "14" || eo.SeatInfo.Row.DefaultValue.Value != "B" || eo.SeatInfo.Section.DefaultValue.Value != "Balcony" {
		t.Errorf("the festival ticket: %q %+v", eo.TicketHolderName, eo.SeatInfo)
	}

	flight := m["ok650-novak"]
	if flight.Vertical != walletv1.VerticalFlight {
		t.Fatalf("a boarding pass with flight semantics maps to %s", flight.Vertical)
	}
	fc, fo := flight.Class.(*walletobjects.FlightClass), flight.Object.(*walletobjects.FlightObject)
	if fc.FlightHeader.Carrier.CarrierIataCode != "OK" || fc.FlightHeader.FlightNumber != "650" || fc.Origin.AirportIataCode != "PRG" || fc.Origin.Gate != "B7" ||
		fc.Destination.AirportIataCode != "LIS" || fc.LocalScheduledDepartureDateTime != "2027-12-21T07:05:00" || fc.LocalScheduledArrivalDateTime != "2027-12-21T09:25:00" ||
		fc.LocalBoardingDateTime != "2027-12-21T06:25:00" {
		t.Errorf("the flight: %+v %+v %+v %+v", fc.FlightHeader, fc.Origin, fc.Destination, fc)
	}
	if fo.PassengerName != "Petr Novak" || fo.ReservationInfo.ConfirmationCode != "X7K2QP" || fo.BoardingAndSeatingInfo.SeatNumber != "14B" ||
		fo.BoardingAndSeatingInfo.BoardingGroup != "2" || fo.BoardingAndSeatingInfo.SeatClass != "Economy" {
		t.Errorf("the passenger: %q %+v %+v", fo.PassengerName, fo.ReservationInfo, fo.BoardingAndSeatingInfo)
	}
}

// The state of every vertical's object follows what the controller sends
// besides pass.json: a redeemed pass is COMPLETED (also when it has
// expired since), an expired one EXPIRED, a voided one INACTIVE.
func TestObjectStateFollowsRedeemedAndExpired(t *testing.T) {
	state := func(m *Mapped) string { return reflect.ValueOf(m.Object).Elem().FieldByName("State").String() }
	for _, tc := range []struct {
		name              string
		redeemed, expired bool
		want, wantVoided  string
	}{
		{"as signed", false, false, "ACTIVE", "INACTIVE"},
		{"redeemed", true, false, "COMPLETED", "COMPLETED"},
		{"expired", false, true, "EXPIRED", "INACTIVE"},
		{"redeemed, then expired", true, true, "COMPLETED", "COMPLETED"},
	} {
		verticals := map[walletv1.GoogleWalletVertical]bool{}
		for name, m := range sampleInputsWith(t, func(in *Input) { in.Redeemed, in.Expired = tc.redeemed, tc.expired }) {
			want := tc.want
			if name == "coffee-coupon-0002" { // the voided sample
				want = tc.wantVoided
			}
			verticals[m.Vertical] = true
			if got := state(m); got != want {
				t.Errorf("%s, %s (%s): state %q, want %q", tc.name, name, m.Vertical, got, want)
			}
		}
		if len(verticals) != 6 {
			t.Errorf("%s: checked verticals %v; want all six", tc.name, verticals)
		}
	}
}

// The samples' objects say what their passes say, field by field.
func TestSamplesMapFieldByField(t *testing.T) {
	m := sampleInputs(t)

	coupon := m["coffee-coupon-0002"]
	offer, class := coupon.Object.(*walletobjects.OfferObject), coupon.Class.(*walletobjects.OfferClass)
	if offer.Id != "3388000000022222222.-.team-a.coffee-coupon.cc-0002" || offer.ClassId != "3388000000022222222.team-a.coffee-coupon" || class.Id != offer.ClassId {
		t.Errorf("coupon IDs: object %q class %q (class's own %q)", offer.Id, offer.ClassId, class.Id)
	}
	if offer.Barcode == nil || offer.Barcode.Type != "EAN_13" || offer.Barcode.Value != "4006381333948" {
		t.Errorf("coupon barcode: %+v; want EAN_13 4006381333948", offer.Barcode)
	}
	if offer.State != "INACTIVE" {
		t.Errorf("a voided coupon is %q; want INACTIVE", offer.State)
	}
	if class.HexBackgroundColor != "#784828" || class.IssuerName != "Corner Coffee" || class.Title != "Corner Coffee discount coupon" {
		t.Errorf("coupon class: colour %q issuer %q title %q", class.HexBackgroundColor, class.IssuerName, class.Title)
	}
	if got := modules(offer.TextModulesData); got["offer"] != "Espresso: 50%" || !strings.HasPrefix(got["expires"], "VALID UNTIL: 31 Dec 2027") {
		t.Errorf("coupon text modules: %v", got)
	}
	if class.CallbackOptions == nil || class.CallbackOptions.Url != "https://wallet.example.com/passes/google/callback" {
		t.Errorf("coupon class callback: %+v", class.CallbackOptions)
	}

	bakery := m["bakery-jana"]
	loyalty := bakery.Object.(*walletobjects.LoyaltyObject)
	if bakery.Vertical != walletv1.VerticalLoyalty || loyalty.AccountId != "bk-000101" || loyalty.AccountName != "40" || loyalty.State != "ACTIVE" {
		t.Errorf("bakery-jana: vertical %s, account %q %q, state %q", bakery.Vertical, loyalty.AccountId, loyalty.AccountName, loyalty.State)
	}
	lc := bakery.Class.(*walletobjects.LoyaltyClass)
	if lc.ProgramLogo == nil || lc.ProgramLogo.SourceUri.Uri != "https://wallet.example.com/passes/images/team-a/bakery-loyalty/logo.png" {
		t.Errorf("loyalty program logo: %+v", lc.ProgramLogo)
	}
	if lc.AccountNameLabel != "Points" || lc.ProgramName != "U Mostu" || lc.IssuerName != "Pekárna U Mostu" {
		t.Errorf("loyalty class: label %q program %q issuer %q", lc.AccountNameLabel, lc.ProgramName, lc.IssuerName)
	}
	// Localized: the first language is the default, the others translations.
	var member *walletobjects.TextModuleData
	for _, tm := range loyalty.TextModulesData {
		if tm.Id == "member" {
			member = tm
		}
	}
	if member == nil || member.Header != "Member" || member.Body != "Jana Dvořáková" || member.LocalizedHeader == nil ||
		member.LocalizedHeader.TranslatedValues[0].Language != "cs" || member.LocalizedHeader.TranslatedValues[0].Value != "Člen" {
		t.Errorf("bakery's member module: %+v", member)
	}

	petra := m["member-petra"]
	generic := petra.Object.(*walletobjects.GenericObject)
	if petra.Vertical != walletv1.VerticalGeneric || generic.Header.DefaultValue.Value != "Petra Svoboda" || generic.Subheader.DefaultValue.Value != "MEMBER" ||
		generic.CardTitle.DefaultValue.Value != "Boulder Club" || generic.HexBackgroundColor != "#225533" {
		t.Errorf("member-petra: %s, header %+v subheader %+v title %+v colour %q", petra.Vertical, generic.Header.DefaultValue, generic.Subheader.DefaultValue, generic.CardTitle.DefaultValue, generic.HexBackgroundColor)
	}
	if got := modules(generic.TextModulesData); got["memberSince"] != "SINCE: 1 Mar 2024" || got["plan"] != "PLAN: yearly" {
		t.Errorf("member-petra's text modules: %v", got)
	}

	board := m["james-smith-pd123"]
	transit := board.Object.(*walletobjects.TransitObject)
	if board.Vertical != walletv1.VerticalTransit || transit.TicketLeg == nil || transit.TicketLeg.OriginName == nil || transit.TicketLeg.DestinationName == nil {
		t.Fatalf("boarding pass: vertical %s, leg %+v", board.Vertical, transit.TicketLeg)
	}
	if tc := board.Class.(*walletobjects.TransitClass); tc.TransitType != "OTHER" {
		t.Errorf("an air boarding pass's transit type is %q; want OTHER", tc.TransitType)
	}
	if transit.Barcode == nil || transit.Barcode.Type != "PDF_417" {
		t.Errorf("boarding pass barcode: %+v", transit.Barcode)
	}
}

// modules are text modules as id → "header: body".
func modules(ms []*walletobjects.TextModuleData) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m.Id] = m.Header + ": " + m.Body
	}
	return out
}

// A template without a logo or a web service cannot be a loyalty or
// transit class, and says why.
func TestClassesThatNeedALogo(t *testing.T) {
	pj := &passjson.Pass{OrganizationName: "Org", Description: "d", SerialNumber: "1"}
	for _, v := range []walletv1.GoogleWalletVertical{walletv1.VerticalLoyalty, walletv1.VerticalTransit} {
		_, err := Map(Input{Pass: pj, Vertical: v, ClassID: "1.c", ObjectID: "1.o"})
		var invalid *InvalidError
		if !errors.As(err, &invalid) || !invalid.Class || !strings.Contains(err.Error(), "--webservice-url") {
			t.Errorf("%s without a logo: %v", v, err)
		}
	}
}

// Object IDs are unique per installation, namespace, template and serial,
// and read back (issue 26, item 6: two templates' passes with one serial
// got one object; '~' and '_' were both written '_').
func TestObjectIDs(t *testing.T) {
	tpl := func(name string) *walletv1.PassTemplate {
		return &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: walletv1.PassTemplateSpec{GoogleWallet: &walletv1.GoogleWallet{IssuerID: "3388000000022222222"}}}
	}
	pass := func(ns, serial string) *walletv1.Pass {
		return &walletv1.Pass{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Spec: walletv1.PassSpec{SerialNumber: serial}}
	}
	seen := map[string]string{}
	for _, tc := range []struct {
		installation, ns, template, serial string
	}{
		{"inst-a", "team-a", "coupon", "cc-0001"},
		{"inst-b", "team-a", "coupon", "cc-0001"},
		{"inst-a", "team-a", "coupon-b", "cc-0001"},
		{"inst-a", "team-b", "coupon", "cc-0001"},
		{"inst-a", "team-a", "coupon", "cc~0001"},
		{"inst-a", "team-a", "coupon", "cc_0001"},
		{"inst-a", "team-a", "coupon.v2", "x"},
		{"inst-a", "team-a", "coupon", "v2.x"},
		{"", "team-a", "coupon", "Ünïcode 票"},
	} {
		id := ObjectID(tc.installation, tpl(tc.template), pass(tc.ns, tc.serial))
		if other, ok := seen[id]; ok {
			t.Errorf("%v and %s share the object ID %s", tc, other, id)
		}
		seen[id] = fmt.Sprint(tc)
		if !regexp.MustCompile(`^3388000000022222222\.[A-Za-z0-9._-]+$`).MatchString(id) {
			t.Errorf("%s holds what Google does not allow", id)
		}
		inst, ns, template, serial, err := ObjectIDParts(id)
		want := tc.installation
		if want == "" {
			want = "-"
		}
		if err != nil || inst != want || ns != tc.ns || template != tc.template || serial != tc.serial {
			t.Errorf("%s read back as %q %q %q %q (%v), want %v", id, inst, ns, template, serial, err, tc)
		}
	}
}
