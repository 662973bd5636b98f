// Package googlewallet makes Google Wallet classes and objects from the
// same rendered pass as Apple's bundle (its pass.json), signs save links,
// and verifies Google's callbacks. A template is a class; each of its
// passes an object of that class.
package googlewallet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/walletobjects/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
)

// VerticalOf is the template's vertical: its own choice, else the one its
// style corresponds to.
func VerticalOf(tpl *walletv1.PassTemplate) walletv1.GoogleWalletVertical {
	if g := tpl.Spec.GoogleWallet; g != nil && g.Vertical != "" {
		return g.Vertical
	}
	switch tpl.Spec.Style {
	case walletv1.StyleBoardingPass:
		if sem := tpl.Spec.Semantics; tpl.Spec.TransitType == "PKTransitTypeAir" && sem != nil && sem.AirlineCode != "" && sem.FlightNumber != nil {
			return walletv1.VerticalFlight
		}
		return walletv1.VerticalTransit
	case walletv1.StyleEventTicket:
		return walletv1.VerticalEventTicket
	case walletv1.StyleCoupon:
		return walletv1.VerticalOffer
	case walletv1.StyleStoreCard:
		return walletv1.VerticalLoyalty
	}
	return walletv1.VerticalGeneric
}

// ClassID is <issuerID>.<classSuffix>, the suffix by default
// <namespace>.<template>.
func ClassID(tpl *walletv1.PassTemplate) string {
	g := tpl.Spec.GoogleWallet
	suffix := g.ClassSuffix
	if suffix == "" {
		suffix = tpl.Namespace + "." + tpl.Name
	}
	return g.IssuerID + "." + idPart(suffix)
}

// ObjectID is <issuerID>.<installation>.<namespace>.<template>.<serial>,
// each part written by idComponent: unique per installation (two clusters
// may use one issuer), namespace, template (two templates' passes may share
// a serial number under different pass types) and serial, and read back
// from the ID alone. An empty installation is written "-".
func ObjectID(installation string, tpl *walletv1.PassTemplate, p *walletv1.Pass) string {
	if installation == "" {
		installation = "-"
	}
	return tpl.Spec.GoogleWallet.IssuerID + "." + strings.Join([]string{
		idComponent(installation), idComponent(p.Namespace), idComponent(tpl.Name), idComponent(p.Spec.SerialNumber),
	}, ".")
}

// idComponent writes s with what Google allows in an ID and no '.', so
// parts joined by '.' read back: letters, digits and '-' as they are, any
// other byte as _ and two hex digits.
func idComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

// ObjectIDParts reads an ObjectID back: installation, namespace, template
// and serial number.
func ObjectIDParts(id string) (installation, namespace, template, serial string, err error) {
	parts := strings.Split(id, ".")
	if len(parts) != 5 {
		return "", "", "", "", fmt.Errorf("object ID %q: want <issuer>.<installation>.<namespace>.<template>.<serial>", id)
	}
	out := make([]string, 4)
	for i, p := range parts[1:] {
		var b strings.Builder
		for j := 0; j < len(p); j++ {
			if p[j] != '_' {
				b.WriteByte(p[j])
				continue
			}
			if j+2 >= len(p) {
				return "", "", "", "", fmt.Errorf("object ID %q: a cut escape", id)
			}
			var c byte
			if _, err := fmt.Sscanf(p[j+1:j+3], "%02x", &c); err != nil {
				return "", "", "", "", fmt.Errorf("object ID %q: %w", id, err)
			}
			b.WriteByte(c)
			j += 2
		}
		out[i] = b.String()
	}
	return out[0], out[1], out[2], out[3], nil
}

// idPart keeps what Google allows in an ID suffix (letters, digits, '.',
// '_', '-'); anything else becomes '_'.
func idPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// Input is what a class and an object are made from.
type Input struct {
	// Pass is the pass.json the Apple renderer made for the pass.
	Pass *passjson.Pass
	// Vertical, ClassID and ObjectID: VerticalOf, ClassID, ObjectID.
	Vertical          walletv1.GoogleWalletVertical
	ClassID, ObjectID string
	// TransitType is the template's, for the transit vertical.
	TransitType walletv1.TransitType
	// CallbackURL receives Google's save and delete callbacks; none when
	// empty.
	CallbackURL string
	// ImageURL is the public URL of one of the template's images
	// ("logo.png"), "" when it has none or none can be served.
	ImageURL func(name string) string
	// Expired: the pass's expiration date has passed. Redeemed: it was
	// used (Apple shows it voided; Google has a state of its own).
	Expired, Redeemed bool
	// Localizations are the template's: labels and values that are keys of
	// their strings are shown translated, the first language as the
	// default (Apple picks by the phone's language; Google shows the
	// default and the translations it holds).
	Localizations []walletv1.Localization
}

// Mapped is a class and an object of one vertical, as the Google Wallet
// API takes them (walletobjects types).
type Mapped struct {
	Vertical walletv1.GoogleWalletVertical
	Class    any
	Object   any
}

// ClassDigest and ObjectDigest identify the content: a change is sent to
// Google only when they change.
func (m *Mapped) ClassDigest() string  { return digest(m.Class) }
func (m *Mapped) ObjectDigest() string { return digest(m.Object) }

func digest(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// InvalidError is a class or object the mapping cannot make: the template
// lacks what the vertical requires.
type InvalidError struct {
	Class  bool
	Reason string
}

func (e *InvalidError) Error() string { return e.Reason }

// Map makes the class and the object.
func Map(in Input) (*Mapped, error) {
	m := &mapper{in: in, pj: in.Pass, language: "en"}
	if len(in.Localizations) > 0 {
		m.language = string(in.Localizations[0].Language)
	}
	switch in.Vertical {
	case walletv1.VerticalGeneric:
		return m.generic(), nil
	case walletv1.VerticalOffer:
		return m.offer(), nil
	case walletv1.VerticalLoyalty:
		return m.loyalty()
	case walletv1.VerticalEventTicket:
		return m.eventTicket(), nil
	case walletv1.VerticalTransit:
		return m.transit()
	case walletv1.VerticalFlight:
		return m.flight()
	}
	return nil, &InvalidError{Class: true, Reason: fmt.Sprintf("vertical %q is not one this operator maps (generic, offer, loyalty, eventTicket, transit, flight)", in.Vertical)}
}

type mapper struct {
	in       Input
	pj       *passjson.Pass
	language string
}

// plain is s in the default language.
func (m *mapper) plain(s string) string {
	if len(m.in.Localizations) > 0 {
		if t, ok := m.in.Localizations[0].Strings[s]; ok {
			return t
		}
	}
	return s
}

// text is s in the default language and every translation of it.
func (m *mapper) text(s string) *walletobjects.LocalizedString {
	if s == "" {
		return nil
	}
	out := &walletobjects.LocalizedString{DefaultValue: &walletobjects.TranslatedString{Language: m.language, Value: m.plain(s)}}
	for _, l := range m.in.Localizations[min(1, len(m.in.Localizations)):] {
		if t, ok := l.Strings[s]; ok {
			out.TranslatedValues = append(out.TranslatedValues, &walletobjects.TranslatedString{Language: string(l.Language), Value: t})
		}
	}
	return out
}

// translated is text(s) when s has translations, else nil.
func (m *mapper) translated(s string) *walletobjects.LocalizedString {
	if t := m.text(s); t != nil && len(t.TranslatedValues) > 0 {
		return t
	}
	return nil
}

func (m *mapper) structure() *passjson.Structure {
	for _, s := range []*passjson.Structure{m.pj.Generic, m.pj.Coupon, m.pj.StoreCard, m.pj.EventTicket, m.pj.BoardingPass} {
		if s != nil {
			return s
		}
	}
	return &passjson.Structure{}
}

// primary is the first primary field (Wallet's most prominent text).
func (m *mapper) primary() (label, value string) {
	if fs := m.structure().PrimaryFields; len(fs) > 0 {
		return m.plain(fs[0].Label), m.plain(passjson.FieldText(fs[0]))
	}
	return "", ""
}

// modules are every field but those the vertical shows elsewhere, in
// Wallet's order: header, primary, secondary, auxiliary, back.
func (m *mapper) modules(skipPrimary int) []*walletobjects.TextModuleData {
	s := m.structure()
	var out []*walletobjects.TextModuleData
	add := func(fs []passjson.Field) {
		for _, f := range fs {
			if v := passjson.FieldText(f); v != "" {
				out = append(out, &walletobjects.TextModuleData{
					Id: idPart(f.Key), Header: m.plain(f.Label), Body: m.plain(v),
					LocalizedHeader: m.translated(f.Label), LocalizedBody: m.translated(v),
				})
			}
		}
	}
	add(s.HeaderFields)
	if skipPrimary < len(s.PrimaryFields) {
		add(s.PrimaryFields[skipPrimary:])
	}
	add(s.SecondaryFields)
	add(s.AuxiliaryFields)
	add(s.BackFields)
	return out
}

// barcodeTypes are Apple's formats as Google names them.
var barcodeTypes = map[string]string{
	"PKBarcodeFormatQR": "QR_CODE", "PKBarcodeFormatPDF417": "PDF_417", "PKBarcodeFormatAztec": "AZTEC",
	"PKBarcodeFormatCode128": "CODE_128", "PKBarcodeFormatCode39": "CODE_39", "PKBarcodeFormatCodabar": "CODABAR",
	"PKBarcodeFormatEAN13": "EAN_13", "PKBarcodeFormatI2of5": "ITF_14",
}

func (m *mapper) barcode() *walletobjects.Barcode {
	if len(m.pj.Barcodes) == 0 {
		return nil
	}
	b := m.pj.Barcodes[0]
	kind, ok := barcodeTypes[b.Format]
	if kind == "ITF_14" && len(b.Message) != 14 {
		ok = false // Google's interleaved 2 of 5 is ITF-14 only
	}
	if !ok {
		kind = "TEXT_ONLY"
	}
	return &walletobjects.Barcode{Type: kind, Value: b.Message, AlternateText: b.AltText}
}

func (m *mapper) color() string {
	rgb, ok := passjson.RGB(m.pj.BackgroundColor)
	if !ok {
		return ""
	}
	return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
}

func (m *mapper) image(name string) *walletobjects.Image {
	if m.in.ImageURL == nil {
		return nil
	}
	u := m.in.ImageURL(name)
	if u == "" {
		return nil
	}
	return &walletobjects.Image{SourceUri: &walletobjects.ImageUri{Uri: u}}
}

func (m *mapper) logo() *walletobjects.Image { return m.image("logo.png") }

// state: redeemed passes are completed, voided ones inactive, expired ones
// expired.
func (m *mapper) state() string {
	switch {
	case m.in.Redeemed:
		return "COMPLETED"
	case m.pj.Voided:
		return "INACTIVE"
	case m.in.Expired:
		return "EXPIRED"
	}
	return "ACTIVE"
}

func (m *mapper) validity() *walletobjects.TimeInterval {
	if m.pj.ExpirationDate == "" {
		return nil
	}
	return &walletobjects.TimeInterval{End: &walletobjects.DateTime{Date: m.pj.ExpirationDate}}
}

func (m *mapper) locations() []*walletobjects.LatLongPoint {
	var out []*walletobjects.LatLongPoint
	for _, l := range m.pj.Locations {
		out = append(out, &walletobjects.LatLongPoint{Latitude: l.Latitude, Longitude: l.Longitude})
	}
	return out
}

func (m *mapper) callback() *walletobjects.CallbackOptions {
	if m.in.CallbackURL == "" {
		return nil
	}
	return &walletobjects.CallbackOptions{Url: m.in.CallbackURL}
}

// issuer is the name Google shows as the issuer.
func (m *mapper) issuer() string { return m.plain(m.pj.OrganizationName) }

// title is the pass's title: its logo text, else its organization.
func (m *mapper) title() string {
	if m.pj.LogoText != "" {
		return m.plain(m.pj.LogoText)
	}
	return m.plain(m.pj.OrganizationName)
}

// reviewStatus: classes are submitted for review when first inserted.
const reviewStatus = "UNDER_REVIEW"

func (m *mapper) generic() *Mapped {
	label, value := m.primary()
	header := value
	if header == "" {
		header = m.plain(m.pj.Description)
	}
	return &Mapped{
		Vertical: walletv1.VerticalGeneric,
		Class:    &walletobjects.GenericClass{Id: m.in.ClassID, CallbackOptions: m.callback()},
		Object: &walletobjects.GenericObject{
			Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(),
			CardTitle: m.text(m.title()), Header: m.text(header), Subheader: m.text(label),
			Logo: m.logo(), HeroImage: m.image("strip.png"), HexBackgroundColor: m.color(),
			Barcode: m.barcode(), TextModulesData: m.modules(1), ValidTimeInterval: m.validity(),
		},
	}
}

func (m *mapper) offer() *Mapped {
	return &Mapped{
		Vertical: walletv1.VerticalOffer,
		Class: &walletobjects.OfferClass{
			Id: m.in.ClassID, IssuerName: m.issuer(), Title: m.plain(m.pj.Description), Provider: m.title(),
			RedemptionChannel: "INSTORE", ReviewStatus: reviewStatus, HexBackgroundColor: m.color(),
			TitleImage: m.logo(), HeroImage: m.image("strip.png"), CallbackOptions: m.callback(),
		},
		Object: &walletobjects.OfferObject{
			Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(), Barcode: m.barcode(),
			TextModulesData: m.modules(0), ValidTimeInterval: m.validity(), Locations: m.locations(),
		},
	}
}

func (m *mapper) loyalty() (*Mapped, error) {
	logo := m.logo()
	if logo == nil {
		return nil, &InvalidError{Class: true, Reason: "a loyalty class needs its program logo at a public URL: give the template a logo image and the operator a --webservice-url"}
	}
	label, value := m.primary()
	return &Mapped{
		Vertical: walletv1.VerticalLoyalty,
		Class: &walletobjects.LoyaltyClass{
			Id: m.in.ClassID, IssuerName: m.issuer(), ProgramName: m.title(), ProgramLogo: logo,
			ReviewStatus: reviewStatus, HexBackgroundColor: m.color(), HeroImage: m.image("strip.png"), CallbackOptions: m.callback(),
			AccountNameLabel: label,
		},
		Object: &walletobjects.LoyaltyObject{
			Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(), Barcode: m.barcode(),
			AccountId: m.pj.SerialNumber, AccountName: value,
			TextModulesData: m.modules(1), ValidTimeInterval: m.validity(), Locations: m.locations(),
		},
	}, nil
}

// eventTicket is Google's event ticket: the event, venue, dates and seat
// from the pass's semantic tags where it has them (a poster event ticket
// always does), the description otherwise.
func (m *mapper) eventTicket() *Mapped {
	eventName := m.pj.Description
	if name := m.semantic("eventName"); name != "" {
		eventName = name
	}
	class := &walletobjects.EventTicketClass{
		Id: m.in.ClassID, IssuerName: m.issuer(), EventName: m.text(eventName), Logo: m.logo(),
		ReviewStatus: reviewStatus, HexBackgroundColor: m.color(), HeroImage: m.image("strip.png"), CallbackOptions: m.callback(),
	}
	if venue := m.semantic("venueName"); venue != "" {
		class.Venue = &walletobjects.EventVenue{Name: m.text(venue), Address: m.text(m.semantic("venueRegionName"))}
		if class.Venue.Address == nil {
			class.Venue.Address = class.Venue.Name // Google requires both
		}
	}
	if start := m.eventStart(); start != "" {
		class.DateTime = &walletobjects.EventDateTime{Start: start, End: m.semantic("eventEndDate"), DoorsOpen: m.semantic("venueDoorsOpenDate")}
	}
	object := &walletobjects.EventTicketObject{
		Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(), Barcode: m.barcode(),
		TicketNumber: m.pj.SerialNumber, TextModulesData: m.modules(0), ValidTimeInterval: m.validity(), Locations: m.locations(),
		TicketHolderName: m.plain(m.semantic("attendeeName")),
	}
	if seat := m.seat(); seat != nil {
		gate := m.semantic("venueEntranceGate")
		if gate == "" {
			gate = m.semantic("entranceDescription")
		}
		object.SeatInfo = &walletobjects.EventSeat{Seat: m.text(str(seat["seatNumber"])), Row: m.text(str(seat["seatRow"])), Section: m.text(str(seat["seatSection"])), Gate: m.text(gate)}
	}
	return &Mapped{Vertical: walletv1.VerticalEventTicket, Class: class, Object: object}
}

// semantic is a string semantic tag of the pass ("" when absent).
func (m *mapper) semantic(key string) string { return str(m.pj.Semantics[key]) }

func str(v any) string {
	s, _ := v.(string)
	return s
}

// eventStart is the event's start: eventStartDate, or eventStartDateInfo's.
func (m *mapper) eventStart() string {
	if s := m.semantic("eventStartDate"); s != "" {
		return s
	}
	info, _ := m.pj.Semantics["eventStartDateInfo"].(map[string]any)
	return str(info["date"])
}

// seat is the first of the pass's semantic seats.
func (m *mapper) seat() map[string]any {
	seats, _ := m.pj.Semantics["seats"].([]any)
	if len(seats) == 0 {
		return nil
	}
	seat, _ := seats[0].(map[string]any)
	return seat
}

// localTime is an ISO 8601 date and time as Google's flight class wants it:
// the local time, without its offset ("" when it is not one).
func localTime(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02T15:04:05")
}

// flight is Google's flight class and object, from a boarding pass's
// flight semantics: the class is the flight (carrier, number, airports,
// scheduled times, the gate), the object the passenger (name, booking,
// seat, boarding group). Google keeps gate and times per class, so they
// belong in the template's semantics, not a pass's.
func (m *mapper) flight() (*Mapped, error) {
	var number string
	switch n := m.pj.Semantics["flightNumber"].(type) {
	case json.Number:
		number = n.String()
	case float64:
		number = strconv.FormatFloat(n, 'f', -1, 64)
	}
	departs := localTime(m.semantic("originalDepartureDate"))
	if m.semantic("airlineCode") == "" || number == "" || m.semantic("departureAirportCode") == "" || m.semantic("destinationAirportCode") == "" || departs == "" {
		return nil, &InvalidError{Class: true, Reason: "a Google Wallet flight needs the semantic tags airlineCode, flightNumber, departureAirportCode, destinationAirportCode and originalDepartureDate"}
	}
	passenger := m.plain(m.pj.Description)
	if name, ok := m.pj.Semantics["passengerName"].(map[string]any); ok {
		passenger = strings.TrimSpace(m.plain(str(name["givenName"])) + " " + m.plain(str(name["familyName"])))
	}
	booking := m.semantic("confirmationNumber")
	if booking == "" {
		booking = m.pj.SerialNumber
	}
	seating := &walletobjects.BoardingAndSeatingInfo{BoardingGroup: m.semantic("boardingGroup"), SequenceNumber: m.semantic("boardingSequenceNumber")}
	if seat := m.seat(); seat != nil {
		seating.SeatNumber, seating.SeatClass = str(seat["seatNumber"]), str(seat["seatType"])
	}
	return &Mapped{
		Vertical: walletv1.VerticalFlight,
		Class: &walletobjects.FlightClass{
			Id: m.in.ClassID, IssuerName: m.issuer(), ReviewStatus: reviewStatus, HexBackgroundColor: m.color(), CallbackOptions: m.callback(),
			FlightHeader:                    &walletobjects.FlightHeader{Carrier: &walletobjects.FlightCarrier{CarrierIataCode: m.semantic("airlineCode"), AirlineLogo: m.logo()}, FlightNumber: number},
			Origin:                          &walletobjects.AirportInfo{AirportIataCode: m.semantic("departureAirportCode"), Terminal: m.semantic("departureTerminal"), Gate: m.semantic("departureGate")},
			Destination:                     &walletobjects.AirportInfo{AirportIataCode: m.semantic("destinationAirportCode"), Terminal: m.semantic("destinationTerminal"), Gate: m.semantic("destinationGate")},
			LocalScheduledDepartureDateTime: departs,
			LocalScheduledArrivalDateTime:   localTime(m.semantic("originalArrivalDate")),
			LocalBoardingDateTime:           localTime(m.semantic("originalBoardingDate")),
		},
		Object: &walletobjects.FlightObject{
			Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(), Barcode: m.barcode(),
			PassengerName: passenger, ReservationInfo: &walletobjects.ReservationInfo{ConfirmationCode: booking},
			BoardingAndSeatingInfo: seating, TextModulesData: m.modules(0), ValidTimeInterval: m.validity(), Locations: m.locations(),
		},
	}, nil
}

// transitTypes are Apple's transit types as Google names them.
var transitTypes = map[walletv1.TransitType]string{
	"PKTransitTypeBus": "BUS", "PKTransitTypeTrain": "RAIL", "PKTransitTypeBoat": "FERRY",
	"PKTransitTypeAir": "OTHER", "PKTransitTypeGeneric": "OTHER",
}

func (m *mapper) transit() (*Mapped, error) {
	logo := m.logo()
	if logo == nil {
		return nil, &InvalidError{Class: true, Reason: "a transit class needs its logo at a public URL: give the template a logo image and the operator a --webservice-url"}
	}
	kind := transitTypes[m.in.TransitType]
	if kind == "" {
		kind = "OTHER"
	}
	leg := &walletobjects.TicketLeg{}
	if fs := m.structure().PrimaryFields; len(fs) >= 2 {
		// A boarding pass's two primary fields are its origin and destination.
		leg.OriginName, leg.DestinationName = m.text(placeName(fs[0])), m.text(placeName(fs[1]))
	}
	if d := m.pj.RelevantDate; d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			leg.DepartureDateTime = t.Format("2006-01-02T15:04:05")
		}
	}
	skip := 0
	if leg.OriginName != nil {
		skip = 2
	}
	return &Mapped{
		Vertical: walletv1.VerticalTransit,
		Class: &walletobjects.TransitClass{
			Id: m.in.ClassID, IssuerName: m.issuer(), TransitType: kind, Logo: logo,
			ReviewStatus: reviewStatus, HexBackgroundColor: m.color(), CallbackOptions: m.callback(),
		},
		Object: &walletobjects.TransitObject{
			Id: m.in.ObjectID, ClassId: m.in.ClassID, State: m.state(), Barcode: m.barcode(),
			TripType: "ONE_WAY", TicketLeg: leg, TicketNumber: m.pj.SerialNumber,
			TextModulesData: m.modules(skip), ValidTimeInterval: m.validity(), Locations: m.locations(),
		},
	}, nil
}

// placeName is "San Francisco (SFO)" from a field labelled with the city
// and valued with the code, or the value alone.
func placeName(f passjson.Field) string {
	v := passjson.FieldText(f)
	if f.Label != "" && f.Label != v {
		return f.Label + " (" + v + ")"
	}
	return v
}

// ids are the object's ID and its class's.
func ids(m *Mapped) (id, class string) {
	switch o := m.Object.(type) {
	case *walletobjects.GenericObject:
		return o.Id, o.ClassId
	case *walletobjects.OfferObject:
		return o.Id, o.ClassId
	case *walletobjects.LoyaltyObject:
		return o.Id, o.ClassId
	case *walletobjects.EventTicketObject:
		return o.Id, o.ClassId
	case *walletobjects.TransitObject:
		return o.Id, o.ClassId
	case *walletobjects.FlightObject:
		return o.Id, o.ClassId
	}
	return "", ""
}

// CallbackPath is where the web service takes Google's save and delete
// callbacks.
const CallbackPath = "/google/callback"

// ImagePath is where the web service serves a template image for Google:
// /google/images/<namespace>/<template>/<version>/<name>, the version a
// prefix of the image's SHA-256, so the URL changes with the image and may
// be cached for ever.
func ImagePath(namespace, template, name string, data []byte) string {
	return "/google/images/" + url.PathEscape(namespace) + "/" + url.PathEscape(template) + "/" + ImageVersion(data) + "/" + url.PathEscape(name)
}

// ImageVersion names an image's content in its URL.
func ImageVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// Voided is a patch that voids an object (state INACTIVE) and changes
// nothing else: what a deleted pass's object becomes.
func Voided(vertical walletv1.GoogleWalletVertical, objectID, classID string) *Mapped {
	const inactive = "INACTIVE"
	m := &Mapped{Vertical: vertical}
	switch vertical {
	case walletv1.VerticalOffer:
		m.Object = &walletobjects.OfferObject{Id: objectID, ClassId: classID, State: inactive}
	case walletv1.VerticalLoyalty:
		m.Object = &walletobjects.LoyaltyObject{Id: objectID, ClassId: classID, State: inactive}
	case walletv1.VerticalEventTicket:
		m.Object = &walletobjects.EventTicketObject{Id: objectID, ClassId: classID, State: inactive}
	case walletv1.VerticalTransit:
		m.Object = &walletobjects.TransitObject{Id: objectID, ClassId: classID, State: inactive}
	case walletv1.VerticalFlight:
		m.Object = &walletobjects.FlightObject{Id: objectID, ClassId: classID, State: inactive}
	default:
		m.Object = &walletobjects.GenericObject{Id: objectID, ClassId: classID, State: inactive}
	}
	return m
}
