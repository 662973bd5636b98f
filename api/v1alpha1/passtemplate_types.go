package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PassStyle is the pass.json style key: how Wallet lays the pass out.
// +kubebuilder:validation:Enum=boardingPass;coupon;eventTicket;storeCard;generic
type PassStyle string

// The five pass styles.
const (
	StyleBoardingPass PassStyle = "boardingPass"
	StyleCoupon       PassStyle = "coupon"
	StyleEventTicket  PassStyle = "eventTicket"
	StyleStoreCard    PassStyle = "storeCard"
	StyleGeneric      PassStyle = "generic"
)

// TransitType is the kind of transport of a boarding pass.
// +kubebuilder:validation:Enum=PKTransitTypeAir;PKTransitTypeBoat;PKTransitTypeBus;PKTransitTypeGeneric;PKTransitTypeTrain
type TransitType string

// BarcodeFormat is a PKBarcodeFormat. The last four render on iOS 27 and
// later; list an older format after them as a fallback.
// +kubebuilder:validation:Enum=PKBarcodeFormatQR;PKBarcodeFormatPDF417;PKBarcodeFormatAztec;PKBarcodeFormatCode128;PKBarcodeFormatCode39;PKBarcodeFormatCodabar;PKBarcodeFormatEAN13;PKBarcodeFormatI2of5
type BarcodeFormat string

// DateStyle is a PKDateStyle.
// +kubebuilder:validation:Enum=PKDateStyleNone;PKDateStyleShort;PKDateStyleMedium;PKDateStyleLong;PKDateStyleFull
type DateStyle string

// NumberStyle is a PKNumberStyle.
// +kubebuilder:validation:Enum=PKNumberStyleDecimal;PKNumberStylePercent;PKNumberStyleScientific;PKNumberStyleSpellOut
type NumberStyle string

// TextAlignment is a PKTextAlignment.
// +kubebuilder:validation:Enum=PKTextAlignmentLeft;PKTextAlignmentCenter;PKTextAlignmentRight;PKTextAlignmentNatural
type TextAlignment string

// DataDetectorType is a PKDataDetectorType (back fields only).
// +kubebuilder:validation:Enum=PKDataDetectorTypePhoneNumber;PKDataDetectorTypeLink;PKDataDetectorTypeAddress;PKDataDetectorTypeCalendarEvent
type DataDetectorType string

// WebhookEvent is an event a template's webhook can receive.
// +kubebuilder:validation:Enum=register;unregister;userAdd;userDelete;personalize;checkIn
type WebhookEvent string

// Personalization is Apple's personalization.json: what the sign-up form
// asks for and says.
type Personalization struct {
	// Description of the program, shown on the sign-up form.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Description string `json:"description"`

	// RequiredPersonalizationFields are the details Wallet asks for.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	// +required
	RequiredPersonalizationFields []PersonalizationField `json:"requiredPersonalizationFields"`

	// TermsAndConditions the holder accepts by signing up.
	// +kubebuilder:validation:MaxLength=16384
	// +optional
	TermsAndConditions string `json:"termsAndConditions,omitempty"`

	// DataKeys name the keys of the Pass's spec.data the holder's details
	// are written to, by Apple's name (fullName, givenName, familyName,
	// emailAddress, phoneNumber, postalCode, ISOCountryCode); a detail not
	// named here is written under Apple's name.
	// +kubebuilder:validation:MaxProperties=7
	// +optional
	DataKeys map[string]string `json:"dataKeys,omitempty"`
}

// PersonalizationField is a detail the sign-up form asks for.
// +kubebuilder:validation:Enum=PKPassPersonalizationFieldName;PKPassPersonalizationFieldPostalCode;PKPassPersonalizationFieldEmailAddress;PKPassPersonalizationFieldPhoneNumber
type PersonalizationField string

// The details a sign-up form can ask for.
const (
	PersonalizationName         PersonalizationField = "PKPassPersonalizationFieldName"
	PersonalizationPostalCode   PersonalizationField = "PKPassPersonalizationFieldPostalCode"
	PersonalizationEmailAddress PersonalizationField = "PKPassPersonalizationFieldEmailAddress"
	PersonalizationPhoneNumber  PersonalizationField = "PKPassPersonalizationFieldPhoneNumber"
)

// StyleScheme is a layout Wallet may render a pass in
// (preferredStyleSchemes).
// +kubebuilder:validation:Enum=posterEventTicket;eventTicket;semanticBoardingPass;boardingPass
type StyleScheme string

// The style schemes.
const (
	SchemePosterEventTicket    StyleScheme = "posterEventTicket"
	SchemeEventTicket          StyleScheme = "eventTicket"
	SchemeSemanticBoardingPass StyleScheme = "semanticBoardingPass"
	SchemeBoardingPass         StyleScheme = "boardingPass"
)

// TemplateImageStatus is one image every pass of a template shows.
type TemplateImageStatus struct {
	// Name is the image's file in the bundle: icon@2x.png, cs.lproj/logo.png.
	// +required
	Name string `json:"name"`
	// Width and Height in pixels.
	// +optional
	Width int32 `json:"width,omitempty"`
	// +optional
	Height int32 `json:"height,omitempty"`
	// Size in bytes.
	// +optional
	Size int64 `json:"size,omitempty"`
}

// CheckIn is check-in at the gate: scanners (apps at the entrances) send
// what they read to the web service, which redeems the pass exactly once
// across every gate and replica.
type CheckIn struct {
	// ScannerKeySecretRefs are the scanner keys: Secret keys, each Secret
	// labelled passes.wallet-operator.io/scanner-key=true. A scanner sends
	// one as "Authorization: Bearer <key>"; the Secret's name is the gate
	// its scans are recorded under. Several gates, each a Secret; rotate by
	// adding the new one and removing the old.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	// +required
	ScannerKeySecretRefs []KeyReference `json:"scannerKeySecretRefs"`

	// DisplayFields are keys of the pass's fields (as its pass.json has
	// them: header, primary, secondary, auxiliary or back) whose label and
	// value an admission answer carries, for gate staff to compare with
	// the holder (a name, a seat).
	// +kubebuilder:validation:MaxItems=8
	// +listType=set
	// +optional
	DisplayFields []string `json:"displayFields,omitempty"`

	// OpensBefore is how long before the pass's first relevant date (the
	// event's start: relevantDates, or relevantDate) its gate opens; a scan
	// earlier answers notYetValid. Unset: a pass is admitted any time
	// before it expires.
	// +optional
	OpensBefore *metav1.Duration `json:"opensBefore,omitempty"`
}

// The events of a template's webhooks.
const (
	WebhookEventRegister   WebhookEvent = "register"
	WebhookEventUnregister WebhookEvent = "unregister"
	// Google Wallet: an account saved or deleted the pass.
	WebhookEventUserAdd    WebhookEvent = "userAdd"
	WebhookEventUserDelete WebhookEvent = "userDelete"
	// A holder signed up through the pass's rewards sign-up form.
	WebhookEventPersonalize WebhookEvent = "personalize"
	// A gate scanner admitted the pass (spec.checkIn).
	WebhookEventCheckIn WebhookEvent = "checkIn"
)

// Ready reasons of a PassTemplate.
const (
	ReasonTemplateValid       = "Valid"
	ReasonCertificateNotFound = "CertificateNotFound"
	ReasonCertificateNotReady = "CertificateNotReady"
	ReasonImageNotFound       = "ImageNotFound"
	ReasonInvalidImage        = "InvalidImage"
	ReasonInvalidDataSchema   = "InvalidDataSchema"
	ReasonDuplicateFieldKey   = "DuplicateFieldKey"
	ReasonInvalidTemplate     = "InvalidTemplate"
	// ReasonBundleTooLarge (shared with Pass): the shared files do not fit
	// in a ConfigMap.
)

// WebhooksReady reasons of a PassTemplate.
const (
	ReasonWebhooksValid = "Valid"
	// ReasonAPIKeySecretNotAllowed: a webhook's apiKeySecretRef names a
	// Secret without the webhook-api-key label, or one that does not exist.
	ReasonAPIKeySecretNotAllowed = "APIKeySecretNotAllowed"
)

// CheckInReady reasons of a PassTemplate.
const (
	ReasonScannerKeysValid = "Valid"
	// ReasonScannerKeyNotAllowed: a scanner key Secret does not exist, lacks
	// the key, or lacks the scanner-key label; its scanners are refused.
	ReasonScannerKeyNotAllowed = "ScannerKeyNotAllowed"
)

// Field is one label/value pair on the pass. Value may hold placeholders
// filled from each Pass's data, e.g. "{{ .data.gate }}".
// +kubebuilder:validation:XValidation:rule="!((has(self.dateStyle) || has(self.timeStyle)) && (has(self.numberStyle) || has(self.currencyCode)))",message="a field is either a date (dateStyle, timeStyle) or a number (numberStyle, currencyCode), not both"
// +kubebuilder:validation:XValidation:rule="!(has(self.numberStyle) && has(self.currencyCode))",message="numberStyle and currencyCode exclude each other: a currency amount is formatted by its currency"
type Field struct {
	// Key identifies the field; unique across all sections of the pass.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_.-]+$')",message="a field key uses letters, digits, '_', '.' and '-' only"
	// +required
	Key string `json:"key"`

	// Label shown above the value.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Label string `json:"label,omitempty"`

	// Value shown on the pass; may hold placeholders.
	// +kubebuilder:validation:MaxLength=4096
	// +required
	Value string `json:"value"`

	// ChangeMessage is the notification shown when the value changes;
	// must contain %@.
	// +optional
	ChangeMessage ChangeMessage `json:"changeMessage,omitempty"`

	// DateStyle formats the value as a date.
	// +optional
	DateStyle DateStyle `json:"dateStyle,omitempty"`

	// TimeStyle formats the value as a time.
	// +optional
	TimeStyle DateStyle `json:"timeStyle,omitempty"`

	// IsRelative shows a date relative to now ("in 2 hours").
	// +optional
	IsRelative *bool `json:"isRelative,omitempty"`

	// IgnoresTimeZone shows a date in the time zone it was written in.
	// +optional
	IgnoresTimeZone *bool `json:"ignoresTimeZone,omitempty"`

	// NumberStyle formats the value as a number.
	// +optional
	NumberStyle NumberStyle `json:"numberStyle,omitempty"`

	// CurrencyCode formats the value as an amount of this ISO 4217 currency.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{3}$')",message="currencyCode is an ISO 4217 code such as EUR or USD"
	// +kubebuilder:validation:MaxLength=16
	// +optional
	CurrencyCode string `json:"currencyCode,omitempty"`

	// TextAlignment of the value.
	// +optional
	TextAlignment TextAlignment `json:"textAlignment,omitempty"`

	// DataDetectorTypes Wallet looks for in a back field's value.
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	// +optional
	DataDetectorTypes []DataDetectorType `json:"dataDetectorTypes,omitempty"`

	// AttributedValue is the value of a back field with a link, as the
	// HTML anchor Wallet shows (<a href='https://example.com'>Our site</a>);
	// may hold placeholders. Older iPhones show value.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	AttributedValue string `json:"attributedValue,omitempty"`

	// Row puts an auxiliary field of an event ticket on the first (0) or
	// second (1) row.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	// +optional
	Row *int32 `json:"row,omitempty"`

	// Semantics of this field's value (Apple allows semantic tags on a
	// field as on the pass).
	// +optional
	Semantics *Semantics `json:"semantics,omitempty"`
}

// PassFields is the field layout of a pass, in Wallet's five sections.
// Keys must be unique within a section (the API refuses duplicates) and
// across sections (the controller reports DuplicateFieldKey).
type PassFields struct {
	// Header fields, shown at the top even when the pass is stacked.
	// +kubebuilder:validation:MaxItems=3
	// +listType=map
	// +listMapKey=key
	// +optional
	Header []Field `json:"header,omitempty"`

	// Primary fields, the most prominent.
	// +kubebuilder:validation:MaxItems=3
	// +listType=map
	// +listMapKey=key
	// +optional
	Primary []Field `json:"primary,omitempty"`

	// Secondary fields.
	// +kubebuilder:validation:MaxItems=4
	// +listType=map
	// +listMapKey=key
	// +optional
	Secondary []Field `json:"secondary,omitempty"`

	// Auxiliary fields.
	// +kubebuilder:validation:MaxItems=5
	// +listType=map
	// +listMapKey=key
	// +optional
	Auxiliary []Field `json:"auxiliary,omitempty"`

	// Back fields, on the back of the pass.
	// +kubebuilder:validation:MaxItems=30
	// +listType=map
	// +listMapKey=key
	// +optional
	Back []Field `json:"back,omitempty"`
}

// Barcode is one barcode of the pass. Wallet shows the first format the
// device supports.
type Barcode struct {
	// Format of the barcode.
	// +required
	Format BarcodeFormat `json:"format"`

	// Message encoded in the barcode; may hold placeholders. Defaults to the
	// pass's serial number; a Pass may override it.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Message string `json:"message,omitempty"`

	// MessageEncoding is the IANA charset of the message.
	// +kubebuilder:default="iso-8859-1"
	// +kubebuilder:validation:MaxLength=32
	// +optional
	MessageEncoding string `json:"messageEncoding,omitempty"`

	// AltText is shown under the barcode; may hold placeholders.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AltText string `json:"altText,omitempty"`
}

// Localization holds the translated strings of one language. Labels and
// values equal to a key are shown as its translation.
type Localization struct {
	// Language of the strings, e.g. cs, en, pt-BR.
	// +required
	Language Language `json:"language"`

	// Strings maps a text as written in the template to its translation.
	// +kubebuilder:validation:MaxProperties=500
	// +optional
	Strings map[string]string `json:"strings,omitempty"`
}

// ExpirationDefault gives passes an expiration date unless they set one.
// +kubebuilder:validation:XValidation:rule="has(self.after) != has(self.date)",message="set exactly one of expiration.after or expiration.date"
type ExpirationDefault struct {
	// After the pass's creation, e.g. 8760h for a year.
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="expiration.after must be positive"
	// +optional
	After *metav1.Duration `json:"after,omitempty"`

	// Date at which every pass of the template expires.
	// +optional
	Date *metav1.Time `json:"date,omitempty"`
}

// Distributable says whether the template's passes may be handed out by
// link (spec.distribution.enabled, default true).
func (t *PassTemplate) Distributable() bool {
	d := t.Spec.Distribution
	return d == nil || d.Enabled == nil || *d.Enabled
}

// Distribution says how passes of the template may be handed out beyond
// those created as Pass objects.
type Distribution struct {
	// Enabled false turns off the download links (pkpass, preview, PDF,
	// codes, Google Wallet save), group downloads and issue links of every
	// pass of the template (404; the preview says the pass is not
	// available), while devices that hold a pass keep receiving its
	// updates: Yourpass's distributable. Default true.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// IssueLinks enables /issue/{token}: each visit creates a new Pass from
	// this template and redirects to its download link.
	// +optional
	IssueLinks bool `json:"issueLinks,omitempty"`

	// Limit is the most passes issue links may create, exactly, however many
	// web service replicas serve them; unset means 1,000, at most 100,000.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	Limit *int32 `json:"limit,omitempty"`

	// Tags are the ?tag= values of this template's download links counted by
	// campaign in wallet_webservice_download_tags_total; any other tag is
	// counted as "other", so visitors cannot create metric series at will.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9_-]{1,32}$`
	// +listType=set
	// +optional
	Tags []string `json:"tags,omitempty"`
}

// Registrations bound the devices one pass may gain: anyone holding a pass
// holds its token, and each device is a registration, a status write and a
// webhook event. A device already registered may always renew.
type Registrations struct {
	// MaxDevicesPerPass is how many devices one pass may have registered.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	// +optional
	MaxDevicesPerPass *int32 `json:"maxDevicesPerPass,omitempty"`

	// PerMinute is how many new devices one pass may gain per minute
	// (bursts of twice that).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +optional
	PerMinute *int32 `json:"perMinute,omitempty"`
}

// Webhook receives device registration events of passes made from the
// template.
type Webhook struct {
	// URL the events are POSTed to.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') || self.startsWith('http://')",message="a webhook url starts with https:// (or http:// inside the cluster)"
	// +required
	URL string `json:"url"`

	// Events sent to it (register, unregister, userAdd, userDelete,
	// personalize, checkIn); every one when empty.
	// +kubebuilder:validation:MaxItems=6
	// +listType=set
	// +optional
	Events []WebhookEvent `json:"events,omitempty"`

	// APIKeySecretRef names the Secret key whose value is sent as X-API-Key.
	// +optional
	APIKeySecretRef *KeyReference `json:"apiKeySecretRef,omitempty"`
}

// PassTemplateSpec is the design shared by a family of passes.
// +kubebuilder:validation:XValidation:rule="self.style == 'boardingPass' ? has(self.transitType) : !has(self.transitType)",message="transitType is required for boardingPass templates and not allowed for other styles"
// +kubebuilder:validation:XValidation:rule="self.images.exists(i, i.type == 'icon')",message="an icon image is required: Wallet shows it on the lock screen and in notifications"
// +kubebuilder:validation:XValidation:rule="self.style != 'boardingPass' || self.images.all(i, i.type in ['icon', 'logo', 'footer'])",message="a boardingPass uses only icon, logo and footer images"
// +kubebuilder:validation:XValidation:rule="self.style != 'coupon' || self.images.all(i, i.type in ['icon', 'logo', 'strip'])",message="a coupon uses only icon, logo and strip images"
// +kubebuilder:validation:XValidation:rule="self.style != 'storeCard' || self.images.all(i, i.type in ['icon', 'logo', 'strip', 'personalizationLogo'])",message="a storeCard uses only icon, logo, strip and personalizationLogo images"
// +kubebuilder:validation:XValidation:rule="!has(self.personalization) || (self.style == 'storeCard' && has(self.nfc) && self.images.exists(i, i.type == 'personalizationLogo'))",message="a rewards sign-up (personalization) is a storeCard with nfc and a personalizationLogo image, as Apple requires"
// +kubebuilder:validation:XValidation:rule="has(self.personalization) || !self.images.exists(i, i.type == 'personalizationLogo')",message="a personalizationLogo image belongs to a template with personalization"
// +kubebuilder:validation:XValidation:rule="self.style != 'generic' || self.images.all(i, i.type in ['icon', 'logo', 'thumbnail'])",message="a generic pass uses only icon, logo and thumbnail images"
// +kubebuilder:validation:XValidation:rule="self.style != 'eventTicket' || self.images.all(i, i.type in ['icon', 'logo', 'strip', 'background', 'thumbnail', 'artwork', 'secondaryLogo'])",message="an eventTicket uses only icon, logo, strip, background, thumbnail, artwork and secondaryLogo images"
// +kubebuilder:validation:XValidation:rule="self.style == 'eventTicket' || !has(self.preferredStyleSchemes) || !self.preferredStyleSchemes.exists(s, s in ['posterEventTicket', 'eventTicket'])",message="posterEventTicket and eventTicket schemes are for eventTicket templates"
// +kubebuilder:validation:XValidation:rule="self.style == 'boardingPass' || !has(self.preferredStyleSchemes) || !self.preferredStyleSchemes.exists(s, s in ['semanticBoardingPass', 'boardingPass'])",message="semanticBoardingPass and boardingPass schemes are for boardingPass templates"
// +kubebuilder:validation:XValidation:rule="self.style != 'eventTicket' || !self.images.exists(i, i.type == 'strip') || !self.images.exists(i, i.type in ['background', 'thumbnail'])",message="an eventTicket with a strip image cannot also have a background or thumbnail image"
type PassTemplateSpec struct {
	// Style of the pass.
	// +required
	Style PassStyle `json:"style"`

	// CertificateRef names the PassCertificate that signs the passes.
	// +required
	CertificateRef LocalObjectReference `json:"certificateRef"`

	// OrganizationName is shown on the lock screen and by Siri.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +required
	OrganizationName string `json:"organizationName"`

	// Description of the pass for accessibility (VoiceOver).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +required
	Description string `json:"description"`

	// BackgroundColor of the pass.
	// +optional
	BackgroundColor Color `json:"backgroundColor,omitempty"`

	// ForegroundColor of field values.
	// +optional
	ForegroundColor Color `json:"foregroundColor,omitempty"`

	// LabelColor of field labels.
	// +optional
	LabelColor Color `json:"labelColor,omitempty"`

	// LogoText shown beside the logo.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	LogoText string `json:"logoText,omitempty"`

	// Fields of the pass, by section.
	// +optional
	Fields PassFields `json:"fields,omitempty"`

	// Barcodes of the pass, in order of preference.
	// +kubebuilder:validation:MaxItems=8
	// +listType=atomic
	// +optional
	Barcodes []Barcode `json:"barcodes,omitempty"`

	// Images of the pass. An icon is required; which other types are
	// allowed depends on the style.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=60
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b.type == a.type && b.scale == a.scale && has(a.language) == has(b.language) && (!has(a.language) || a.language == b.language)))",message="each image type, scale and language appears once"
	// +listType=atomic
	// +required
	Images []Image `json:"images"`

	// Localizations of the pass's texts, one per language.
	// +kubebuilder:validation:MaxItems=40
	// +listType=map
	// +listMapKey=language
	// +optional
	Localizations []Localization `json:"localizations,omitempty"`

	// Relevance defaults for every pass; a Pass may replace them.
	// +optional
	Relevance *Relevance `json:"relevance,omitempty"`

	// TransitType of a boarding pass; required exactly when style is
	// boardingPass.
	// +optional
	TransitType TransitType `json:"transitType,omitempty"`

	// GroupingIdentifier groups related event tickets or boarding passes.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	GroupingIdentifier string `json:"groupingIdentifier,omitempty"`

	// SharingProhibited hides the share button in Wallet.
	// +optional
	SharingProhibited bool `json:"sharingProhibited,omitempty"`

	// SuppressStripShine turns off the gloss over the strip image.
	// +optional
	SuppressStripShine bool `json:"suppressStripShine,omitempty"`

	// Semantics are the pass's semantic tags (Apple's SemanticTags); a
	// Pass's merge over them key by key.
	// +optional
	Semantics *Semantics `json:"semantics,omitempty"`

	// PreferredStyleSchemes are the layouts Wallet should use, best first:
	// posterEventTicket then eventTicket for an event ticket (iOS 18 and
	// later show the poster), semanticBoardingPass then boardingPass for a
	// flight. What a scheme needs (semantic tags, images) is checked before
	// signing; the classic fields stay for older iPhones.
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	// +optional
	PreferredStyleSchemes []StyleScheme `json:"preferredStyleSchemes,omitempty"`

	// UpcomingPassInformation are the events of a multi-event pass (iOS
	// 26); a Pass's entries replace the template's of the same identifier
	// and add the rest.
	// +kubebuilder:validation:MaxItems=20
	// +listType=map
	// +listMapKey=identifier
	// +optional
	UpcomingPassInformation []UpcomingPassInformationEntry `json:"upcomingPassInformation,omitempty"`

	// Personalization makes a storeCard a rewards sign-up: Wallet asks the
	// holder for the details it lists and the web service records them into
	// the Pass's data (Apple's Rewards Enrollment). Needs nfc, and a
	// personalizationLogo image.
	// +optional
	Personalization *Personalization `json:"personalization,omitempty"`

	// NFC makes the passes readable by Apple VAS terminals.
	// +optional
	NFC *NFC `json:"nfc,omitempty"`

	// AssociatedStoreIdentifiers are App Store IDs of apps the pass offers.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	AssociatedStoreIdentifiers []int64 `json:"associatedStoreIdentifiers,omitempty"`

	// AppLaunchURL is passed to the associated app when it opens from the
	// pass; may hold placeholders.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	AppLaunchURL string `json:"appLaunchURL,omitempty"`

	// UserInfo is JSON for the associated app, kept as written; a Pass's
	// merges over it key by key.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:Schemaless
	// +optional
	UserInfo *apiextensionsv1.JSON `json:"userInfo,omitempty"`

	// PassJSON is merged last into pass.json, for Apple keys this API does
	// not model yet. Keys the operator owns (identifiers, serial number,
	// web service, token, formatVersion) are refused; the Ready message
	// lists the unmodelled keys used. A Pass's merges over it.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:Schemaless
	// +optional
	PassJSON *apiextensionsv1.JSON `json:"passJSON,omitempty"`

	// DataSchema is a JSON Schema (draft 2020-12) every Pass's data must
	// satisfy. It is kept exactly as written.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	// +optional
	DataSchema *apiextensionsv1.JSON `json:"dataSchema,omitempty"`

	// Expiration default for passes that do not set expirationDate.
	// +optional
	Expiration *ExpirationDefault `json:"expiration,omitempty"`

	// Distribution of passes beyond Pass objects (issue links).
	// +optional
	Distribution *Distribution `json:"distribution,omitempty"`

	// CheckIn lets gate scanners admit passes of the template through the
	// web service: POST {webServiceURL}/scan/{namespace}/{template} with a
	// scanner key redeems the pass whose barcode was read, once.
	// +optional
	CheckIn *CheckIn `json:"checkIn,omitempty"`

	// Registrations bound the devices each pass of the template may gain.
	// The web service's defaults (--max-registrations-per-pass 100,
	// --registrations-per-minute 10) suit a pass one person holds; a pass
	// many people add (one coupon or venue card for everyone, a code shown
	// at an entrance) needs more.
	// +optional
	Registrations *Registrations `json:"registrations,omitempty"`

	// Anonymization says what an anonymized pass keeps.
	// +optional
	Anonymization *Anonymization `json:"anonymization,omitempty"`

	// Webhooks notified when devices register or unregister passes of this
	// template.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	Webhooks []Webhook `json:"webhooks,omitempty"`

	// GoogleWallet makes the template a Google Wallet class and its passes
	// objects of it, each with a save link.
	// +optional
	GoogleWallet *GoogleWallet `json:"googleWallet,omitempty"`
}

// Anonymization says what an anonymized (or deleted) pass keeps.
type Anonymization struct {
	// KeepBarcode keeps the barcode message the pass had (a coupon code
	// that stays redeemable); by default an anonymized pass has no barcode.
	// +optional
	KeepBarcode bool `json:"keepBarcode,omitempty"`
}

// PassTemplateStatus says whether passes can be made from the template.
type PassTemplateStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready (passes can be rendered from this template).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// PassTypeIdentifier of the certificate the template signs with.
	// +optional
	PassTypeIdentifier string `json:"passTypeIdentifier,omitempty"`

	// SharedBundle names the ConfigMap holding the files every pass of the
	// template shares (images, localizations).
	// +optional
	SharedBundle string `json:"sharedBundle,omitempty"`

	// Images are the images of the shared files as stored, with their
	// pixel size and bytes (as Yourpass's image API lists them).
	// +listType=map
	// +listMapKey=name
	// +optional
	Images []TemplateImageStatus `json:"images,omitempty"`

	// NFCEncryptionPublicKey is the NFC terminal key passes render with, as
	// pass.json has it (base64 SubjectPublicKeyInfo), read from
	// spec.nfc.encryptionPublicKey when the shared files were.
	// +optional
	NFCEncryptionPublicKey string `json:"nfcEncryptionPublicKey,omitempty"`

	// Passes made from this template.
	// +optional
	Passes int32 `json:"passes,omitempty"`

	// ReadyPasses among them.
	// +optional
	ReadyPasses int32 `json:"readyPasses,omitempty"`

	// VoidedPasses, RedeemedPasses, ExpiredPasses and AnonymizedPasses
	// among them.
	// +optional
	VoidedPasses int32 `json:"voidedPasses,omitempty"`
	// +optional
	RedeemedPasses int32 `json:"redeemedPasses,omitempty"`
	// +optional
	ExpiredPasses int32 `json:"expiredPasses,omitempty"`
	// +optional
	AnonymizedPasses int32 `json:"anonymizedPasses,omitempty"`

	// RegisteredDevices of all its passes.
	// +optional
	RegisteredDevices int64 `json:"registeredDevices,omitempty"`

	// CountedAt is when the counts above were taken; they are refreshed at
	// most every 10 seconds.
	// +optional
	CountedAt *metav1.Time `json:"countedAt,omitempty"`

	// Downloads of its passes' .pkpass through download links, and
	// Previews (the page other browsers get), by the link's ?tag= (tags the
	// template lists; "other" for the rest, "untagged" without one). The
	// web service adds to them at most every 10 seconds per replica.
	// +optional
	Downloads map[string]int64 `json:"downloads,omitempty"`
	// +optional
	Previews map[string]int64 `json:"previews,omitempty"`

	// IssueURL creates a new pass on each visit, when spec.distribution
	// allows issue links and a web service is configured.
	// +optional
	IssueURL string `json:"issueURL,omitempty"`

	// GoogleWallet is where the template's Google Wallet class stands.
	// +optional
	GoogleWallet *GoogleWalletClassStatus `json:"googleWallet,omitempty"`
}

// PassTemplate is the design of a family of passes: style, look, fields,
// barcodes, images, localizations and the schema of each pass's data.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ptpl;passtpl,categories=wallet
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].reason"
// +kubebuilder:printcolumn:name="Style",type=string,JSONPath=".spec.style"
// +kubebuilder:printcolumn:name="Certificate",type=string,JSONPath=".spec.certificateRef.name"
// +kubebuilder:printcolumn:name="Passes",type=integer,JSONPath=".status.passes"
// +kubebuilder:printcolumn:name="Devices",type=integer,JSONPath=".status.registeredDevices"
// +kubebuilder:printcolumn:name="Voided",type=integer,priority=1,JSONPath=".status.voidedPasses"
// +kubebuilder:printcolumn:name="Redeemed",type=integer,priority=1,JSONPath=".status.redeemedPasses"
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type PassTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PassTemplateSpec `json:"spec"`
	// +optional
	Status PassTemplateStatus `json:"status,omitempty"`
}

// PassTemplateList is a list of PassTemplates.
//
// +kubebuilder:object:root=true
type PassTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PassTemplate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PassTemplate{}, &PassTemplateList{})
}
