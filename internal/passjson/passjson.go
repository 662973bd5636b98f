// Package passjson is pass.json written once: its wire types (the renderer
// produces them; the preview, the PDF, Google Wallet and the CLI read
// signed pass.json files back into them) and its display rules (a field's
// value as Wallet shows it, colours).
package passjson

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The shape of pass.json (Apple's Wallet Passes reference). Struct order is
// the output order, so equal inputs give equal bytes. The web service's
// preview reads signed pass.json files back into the same types.

// Pass is pass.json.
type Pass struct {
	FormatVersion       int    `json:"formatVersion"`
	PassTypeIdentifier  string `json:"passTypeIdentifier"`
	SerialNumber        string `json:"serialNumber"`
	TeamIdentifier      string `json:"teamIdentifier"`
	OrganizationName    string `json:"organizationName"`
	Description         string `json:"description"`
	WebServiceURL       string `json:"webServiceURL,omitempty"`
	AuthenticationToken string `json:"authenticationToken,omitempty"`
	LogoText            string `json:"logoText,omitempty"`
	BackgroundColor     string `json:"backgroundColor,omitempty"`
	ForegroundColor     string `json:"foregroundColor,omitempty"`
	LabelColor          string `json:"labelColor,omitempty"`
	GroupingIdentifier  string `json:"groupingIdentifier,omitempty"`
	SharingProhibited   bool   `json:"sharingProhibited,omitempty"`
	SuppressStripShine  bool   `json:"suppressStripShine,omitempty"`
	// PreferredStyleSchemes: the layouts Wallet should use, best first.
	PreferredStyleSchemes []string `json:"preferredStyleSchemes,omitempty"`
	// AssociatedStoreIdentifiers and AppLaunchURL: the app the pass offers.
	AssociatedStoreIdentifiers []int64 `json:"associatedStoreIdentifiers,omitempty"`
	AppLaunchURL               string  `json:"appLaunchURL,omitempty"`
	// UserInfo is JSON for that app, as written.
	UserInfo json.RawMessage `json:"userInfo,omitempty"`
	// Semantics are the semantic tags, keyed by Apple's names.
	Semantics map[string]any `json:"semantics,omitempty"`
	Barcodes  []Barcode      `json:"barcodes,omitempty"`
	// Barcode is the first barcode again, for iOS 8 and earlier, when its
	// format is one they know.
	Barcode      *Barcode   `json:"barcode,omitempty"`
	Locations    []Location `json:"locations,omitempty"`
	Beacons      []Beacon   `json:"beacons,omitempty"`
	MaxDistance  *int32     `json:"maxDistance,omitempty"`
	RelevantDate string     `json:"relevantDate,omitempty"`
	// RelevantDates: moments and intervals (iOS 18 and later).
	RelevantDates  []RelevantDate `json:"relevantDates,omitempty"`
	ExpirationDate string         `json:"expirationDate,omitempty"`
	Voided         bool           `json:"voided,omitempty"`
	// NFC: what an Apple VAS terminal reads.
	NFC *NFC `json:"nfc,omitempty"`
	// UpcomingPassInformation: the events of a multi-event pass.
	UpcomingPassInformation []UpcomingEntry `json:"upcomingPassInformation,omitempty"`
	BoardingPass            *Structure      `json:"boardingPass,omitempty"`
	Coupon                  *Structure      `json:"coupon,omitempty"`
	EventTicket             *Structure      `json:"eventTicket,omitempty"`
	Generic                 *Structure      `json:"generic,omitempty"`
	StoreCard               *Structure      `json:"storeCard,omitempty"`
}

// Structure is the field layout under the style key.
type Structure struct {
	TransitType     string  `json:"transitType,omitempty"`
	HeaderFields    []Field `json:"headerFields,omitempty"`
	PrimaryFields   []Field `json:"primaryFields,omitempty"`
	SecondaryFields []Field `json:"secondaryFields,omitempty"`
	AuxiliaryFields []Field `json:"auxiliaryFields,omitempty"`
	BackFields      []Field `json:"backFields,omitempty"`
}

// Field is one field of a Structure.
type Field struct {
	Key               string   `json:"key"`
	Label             string   `json:"label,omitempty"`
	Value             any      `json:"value"`
	ChangeMessage     string   `json:"changeMessage,omitempty"`
	DateStyle         string   `json:"dateStyle,omitempty"`
	TimeStyle         string   `json:"timeStyle,omitempty"`
	IsRelative        *bool    `json:"isRelative,omitempty"`
	IgnoresTimeZone   *bool    `json:"ignoresTimeZone,omitempty"`
	NumberStyle       string   `json:"numberStyle,omitempty"`
	CurrencyCode      string   `json:"currencyCode,omitempty"`
	TextAlignment     string   `json:"textAlignment,omitempty"`
	DataDetectorTypes []string `json:"dataDetectorTypes,omitempty"`
	AttributedValue   string   `json:"attributedValue,omitempty"`
	Row               *int32   `json:"row,omitempty"`
	// Semantics of this field's value.
	Semantics map[string]any `json:"semantics,omitempty"`
}

// NFC is pass.json's nfc.
type NFC struct {
	Message                string `json:"message"`
	EncryptionPublicKey    string `json:"encryptionPublicKey,omitempty"`
	RequiresAuthentication bool   `json:"requiresAuthentication,omitempty"`
}

// UpcomingEntry is one event of upcomingPassInformation.
type UpcomingEntry struct {
	Type                      string         `json:"type"`
	Identifier                string         `json:"identifier"`
	Name                      string         `json:"name"`
	IsActive                  bool           `json:"isActive,omitempty"`
	DateInformation           map[string]any `json:"dateInformation,omitempty"`
	Semantics                 map[string]any `json:"semantics,omitempty"`
	AdditionalInfoFields      []Field        `json:"additionalInfoFields,omitempty"`
	BackFields                []Field        `json:"backFields,omitempty"`
	URLs                      map[string]any `json:"URLs,omitempty"`
	AuxiliaryStoreIdentifiers []int64        `json:"auxiliaryStoreIdentifiers,omitempty"`
	Images                    map[string]any `json:"images,omitempty"`
}

// RelevantDate is a moment (Date) or an interval (StartDate, EndDate).
type RelevantDate struct {
	Date      string `json:"date,omitempty"`
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
}

// Barcode is one entry of barcodes.
type Barcode struct {
	Format          string `json:"format"`
	Message         string `json:"message"`
	MessageEncoding string `json:"messageEncoding"`
	AltText         string `json:"altText,omitempty"`
}

// Location is one relevant location.
type Location struct {
	Latitude     float64  `json:"latitude"`
	Longitude    float64  `json:"longitude"`
	Altitude     *float64 `json:"altitude,omitempty"`
	RelevantText string   `json:"relevantText,omitempty"`
}

// Beacon is one relevant beacon.
type Beacon struct {
	ProximityUUID string `json:"proximityUUID"`
	Major         *int32 `json:"major,omitempty"`
	Minor         *int32 `json:"minor,omitempty"`
	RelevantText  string `json:"relevantText,omitempty"`
}

// Parse reads a pass.json.
func Parse(data []byte) (*Pass, error) {
	pj := &Pass{}
	if err := json.Unmarshal(data, pj); err != nil {
		return nil, err
	}
	return pj, nil
}

// Style returns the pass's style key (boardingPass, coupon, ...) and its
// field layout; an empty style and layout when it has none.
func (pj *Pass) Style() (string, *Structure) {
	for _, s := range []struct {
		key string
		st  *Structure
	}{{"boardingPass", pj.BoardingPass}, {"coupon", pj.Coupon}, {"eventTicket", pj.EventTicket}, {"generic", pj.Generic}, {"storeCard", pj.StoreCard}} {
		if s.st != nil {
			return s.key, s.st
		}
	}
	return "", &Structure{}
}

var rgbPattern = regexp.MustCompile(`^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$`)

// RGB reads a pass colour, rgb(r, g, b), each part at most 255.
func RGB(c string) ([3]int, bool) {
	m := rgbPattern.FindStringSubmatch(c)
	if m == nil {
		return [3]int{}, false
	}
	var out [3]int
	for i := range out {
		v, _ := strconv.Atoi(m[i+1])
		out[i] = min(v, 255)
	}
	return out, true
}

// FieldText is a field's value as text, styled as Wallet shows it in
// English: percentages, amounts with their currency, dates (in UTC unless
// the field ignores time zones). Every reader that shows a field (the
// preview, the PDF, Google Wallet) shows it so.
func FieldText(f Field) string {
	switch v := f.Value.(type) {
	case string:
		if f.DateStyle == "" && f.TimeStyle == "" {
			return v
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return v
		}
		layout := "2 Jan 2006"
		switch {
		case f.DateStyle == "" || f.DateStyle == "PKDateStyleNone":
			layout = "15:04 MST"
		case f.TimeStyle != "" && f.TimeStyle != "PKDateStyleNone":
			layout = "2 Jan 2006, 15:04 MST"
		}
		if f.IgnoresTimeZone != nil && *f.IgnoresTimeZone {
			return t.Format(strings.TrimSuffix(layout, " MST"))
		}
		return t.UTC().Format(layout)
	case float64:
		switch {
		case f.NumberStyle == "PKNumberStylePercent":
			return strconv.FormatFloat(v*100, 'f', -1, 64) + "%"
		case f.CurrencyCode != "":
			return strconv.FormatFloat(v, 'f', 2, 64) + " " + f.CurrencyCode
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(f.Value)
}
