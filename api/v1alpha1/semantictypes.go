package v1alpha1

// The value types of semantic tags (Apple's SemanticTagType).

// SemanticDate is an ISO 8601 date and time, such as
// 2026-12-12T19:30:00+01:00, or a placeholder that fills to one.
// +kubebuilder:validation:MaxLength=256
type SemanticDate string

// SemanticEventType is Apple's PKEventType: it picks the poster layout of
// an event ticket (sports, live performance, or the generic one).
// +kubebuilder:validation:Enum=PKEventTypeGeneric;PKEventTypeLivePerformance;PKEventTypeMovie;PKEventTypeSports;PKEventTypeConference;PKEventTypeConvention;PKEventTypeWorkshop;PKEventTypeSocialGathering
type SemanticEventType string

// SemanticCurrencyAmount is an amount of money (SemanticTagType.CurrencyAmount).
type SemanticCurrencyAmount struct {
	// Amount as a decimal number, such as 42.50; may be a placeholder.
	// +kubebuilder:validation:MaxLength=256
	// +required
	Amount string `json:"amount"`

	// CurrencyCode is the ISO 4217 code, such as EUR.
	// +kubebuilder:validation:MaxLength=3
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{3}$')",message="currencyCode is an ISO 4217 code such as EUR or USD"
	// +required
	CurrencyCode string `json:"currencyCode"`
}

// SemanticLocation is a point on a map (SemanticTagType.Location).
type SemanticLocation struct {
	// Latitude in degrees, -90 to 90.
	// +kubebuilder:validation:Minimum=-90
	// +kubebuilder:validation:Maximum=90
	// +required
	Latitude float64 `json:"latitude"`

	// Longitude in degrees, -180 to 180.
	// +kubebuilder:validation:Minimum=-180
	// +kubebuilder:validation:Maximum=180
	// +required
	Longitude float64 `json:"longitude"`
}

// SemanticPersonName is a person's name in parts
// (SemanticTagType.PersonNameComponents).
type SemanticPersonName struct {
	// +kubebuilder:validation:MaxLength=256
	// +optional
	GivenName string `json:"givenName,omitempty"`
	// +kubebuilder:validation:MaxLength=256
	// +optional
	FamilyName string `json:"familyName,omitempty"`
	// +kubebuilder:validation:MaxLength=256
	// +optional
	MiddleName string `json:"middleName,omitempty"`
	// +kubebuilder:validation:MaxLength=64
	// +optional
	NamePrefix string `json:"namePrefix,omitempty"`
	// +kubebuilder:validation:MaxLength=64
	// +optional
	NameSuffix string `json:"nameSuffix,omitempty"`
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Nickname string `json:"nickname,omitempty"`
}

// SemanticSeat is one seat (SemanticTagType.Seat).
type SemanticSeat struct {
	// SeatSection, such as 100.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatSection string `json:"seatSection,omitempty"`
	// SeatRow, such as K.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatRow string `json:"seatRow,omitempty"`
	// SeatNumber, such as 12.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatNumber string `json:"seatNumber,omitempty"`
	// SeatIdentifier identifies the seat, such as A1.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatIdentifier string `json:"seatIdentifier,omitempty"`
	// SeatType, such as Standing or Box.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatType string `json:"seatType,omitempty"`
	// SeatDescription, such as Obstructed view.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	SeatDescription string `json:"seatDescription,omitempty"`
	// SeatAisle, such as 2.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatAisle string `json:"seatAisle,omitempty"`
	// SeatLevel, such as Upper Tier.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	SeatLevel string `json:"seatLevel,omitempty"`
	// SeatSectionColor colours the seat's section on a poster ticket, as
	// #rrggbb.
	// +kubebuilder:validation:XValidation:rule="self.matches('^#[0-9A-Fa-f]{6}$')",message="seatSectionColor is #rrggbb"
	// +kubebuilder:validation:MaxLength=7
	// +optional
	SeatSectionColor string `json:"seatSectionColor,omitempty"`
}

// SemanticWifiNetwork is a Wi-Fi network and its password, shown to the
// holder (SemanticTagType.WifiNetwork).
type SemanticWifiNetwork struct {
	// +kubebuilder:validation:MaxLength=32
	// +required
	SSID string `json:"ssid"`
	// +kubebuilder:validation:MaxLength=256
	// +required
	Password string `json:"password"`
}

// SemanticEventDateInfo is an event's start with its time zone, or a date
// whose time is not shown.
type SemanticEventDateInfo struct {
	// Date in ISO 8601; may be a placeholder.
	// +required
	Date SemanticDate `json:"date"`
	// IgnoreTimeComponents shows the date only.
	// +optional
	IgnoreTimeComponents *bool `json:"ignoreTimeComponents,omitempty"`
	// TimeZone is an IANA time zone, such as Europe/Prague.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
}
