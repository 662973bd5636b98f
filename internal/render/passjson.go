package render

// The shape of pass.json (Apple's Wallet Passes reference). Struct order is
// the output order, so equal inputs give equal bytes.

type passJSON struct {
	FormatVersion       int           `json:"formatVersion"`
	PassTypeIdentifier  string        `json:"passTypeIdentifier"`
	SerialNumber        string        `json:"serialNumber"`
	TeamIdentifier      string        `json:"teamIdentifier"`
	OrganizationName    string        `json:"organizationName"`
	Description         string        `json:"description"`
	WebServiceURL       string        `json:"webServiceURL,omitempty"`
	AuthenticationToken string        `json:"authenticationToken,omitempty"`
	LogoText            string        `json:"logoText,omitempty"`
	BackgroundColor     string        `json:"backgroundColor,omitempty"`
	ForegroundColor     string        `json:"foregroundColor,omitempty"`
	LabelColor          string        `json:"labelColor,omitempty"`
	GroupingIdentifier  string        `json:"groupingIdentifier,omitempty"`
	SharingProhibited   bool          `json:"sharingProhibited,omitempty"`
	SuppressStripShine  bool          `json:"suppressStripShine,omitempty"`
	Barcodes            []barcodeJSON `json:"barcodes,omitempty"`
	// Barcode is the first barcode again, for iOS 8 and earlier, when its
	// format is one they know.
	Barcode        *barcodeJSON   `json:"barcode,omitempty"`
	Locations      []locationJSON `json:"locations,omitempty"`
	Beacons        []beaconJSON   `json:"beacons,omitempty"`
	MaxDistance    *int32         `json:"maxDistance,omitempty"`
	RelevantDate   string         `json:"relevantDate,omitempty"`
	ExpirationDate string         `json:"expirationDate,omitempty"`
	Voided         bool           `json:"voided,omitempty"`
	BoardingPass   *structureJSON `json:"boardingPass,omitempty"`
	Coupon         *structureJSON `json:"coupon,omitempty"`
	EventTicket    *structureJSON `json:"eventTicket,omitempty"`
	Generic        *structureJSON `json:"generic,omitempty"`
	StoreCard      *structureJSON `json:"storeCard,omitempty"`
}

type structureJSON struct {
	TransitType     string      `json:"transitType,omitempty"`
	HeaderFields    []fieldJSON `json:"headerFields,omitempty"`
	PrimaryFields   []fieldJSON `json:"primaryFields,omitempty"`
	SecondaryFields []fieldJSON `json:"secondaryFields,omitempty"`
	AuxiliaryFields []fieldJSON `json:"auxiliaryFields,omitempty"`
	BackFields      []fieldJSON `json:"backFields,omitempty"`
}

type fieldJSON struct {
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
}

type barcodeJSON struct {
	Format          string `json:"format"`
	Message         string `json:"message"`
	MessageEncoding string `json:"messageEncoding"`
	AltText         string `json:"altText,omitempty"`
}

type locationJSON struct {
	Latitude     float64  `json:"latitude"`
	Longitude    float64  `json:"longitude"`
	Altitude     *float64 `json:"altitude,omitempty"`
	RelevantText string   `json:"relevantText,omitempty"`
}

type beaconJSON struct {
	ProximityUUID string `json:"proximityUUID"`
	Major         *int32 `json:"major,omitempty"`
	Minor         *int32 `json:"minor,omitempty"`
	RelevantText  string `json:"relevantText,omitempty"`
}
