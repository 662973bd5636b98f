package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types shared by the kinds that report status. Types are adjectives; reasons
// are CamelCase nouns (see the Reason constants beside each kind).
const (
	// ConditionReady says whether the object does its job: a certificate can
	// sign, a template can render, a pass has a signed bundle being served.
	ConditionReady = "Ready"

	// ConditionExpiring warns that a certificate enters its expiry window.
	ConditionExpiring = "Expiring"

	// ConditionWebhooksReady says whether a template's webhooks can be sent
	// with their API keys. It never makes the template's Ready false.
	ConditionWebhooksReady = "WebhooksReady"

	// ConditionCheckInReady says whether a template's scanner keys are
	// accepted at the gate. It never makes the template's Ready false.
	ConditionCheckInReady = "CheckInReady"
)

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// Name of the object, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
}

// KeyReference names one key of a ConfigMap or Secret in the same namespace.
type KeyReference struct {
	// Name of the ConfigMap or Secret, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Key inside it (data or binaryData).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Key string `json:"key"`
}

// Color is a pass colour in the CSS form Wallet reads: rgb(r, g, b).
// +kubebuilder:validation:MaxLength=32
// +kubebuilder:validation:XValidation:rule="self.matches('^rgb[(] *(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]) *, *(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]) *, *(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]) *[)]$')",message="a colour is written rgb(r, g, b) with each component 0-255, e.g. rgb(237, 184, 61)"
type Color string

// ChangeMessage is the text of the notification Wallet shows when a field's
// value changes; %@ stands for the new value.
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule="self.size() == 0 || self.contains('%@')",message="changeMessage must contain %@, which Wallet replaces with the new value (e.g. 'Gate changed to %@')"
type ChangeMessage string

// ImageType is the role of an image in a pass; which roles a pass may use
// depends on its style.
// +kubebuilder:validation:Enum=icon;logo;strip;background;thumbnail;footer;artwork;secondaryLogo;personalizationLogo
type ImageType string

// The image roles Wallet knows.
const (
	ImageIcon       ImageType = "icon"
	ImageLogo       ImageType = "logo"
	ImageStrip      ImageType = "strip"
	ImageBackground ImageType = "background"
	ImageThumbnail  ImageType = "thumbnail"
	ImageFooter     ImageType = "footer"
	// ImageArtwork is a poster event ticket's full-card artwork (iOS 18
	// and later); older iPhones show the strip or background instead.
	ImageArtwork ImageType = "artwork"
	// ImageSecondaryLogo is the logo at the foot of a poster event ticket.
	ImageSecondaryLogo ImageType = "secondaryLogo"
	// ImagePersonalizationLogo tops a rewards sign-up form.
	ImagePersonalizationLogo ImageType = "personalizationLogo"
)

// Image is one PNG of a pass, read from a ConfigMap or Secret key, or
// fetched from an https URL. The bundle names it after its type, scale and
// language: icon@2x.png, cs.lproj/logo.png.
// +kubebuilder:validation:XValidation:rule="[has(self.configMapKeyRef), has(self.secretKeyRef), has(self.url)].filter(x, x).size() == 1",message="an image is read from exactly one of configMapKeyRef, secretKeyRef or url"
type Image struct {
	// Type is the image's role: icon, logo, strip, background, thumbnail,
	// footer, or a poster event ticket's artwork and secondaryLogo.
	// +required
	Type ImageType `json:"type"`

	// Scale is 1 for standard, 2 for @2x and 3 for @3x displays.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3
	// +optional
	Scale int32 `json:"scale,omitempty"`

	// Language, when set, makes this a localized image stored under
	// <language>.lproj/ (e.g. cs, en, pt-BR).
	// +optional
	Language Language `json:"language,omitempty"`

	// ConfigMapKeyRef reads the PNG from a ConfigMap key (binaryData).
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`

	// SecretKeyRef reads the PNG from a Secret key.
	// +optional
	SecretKeyRef *KeyReference `json:"secretKeyRef,omitempty"`

	// URL fetches the PNG once by https (at most 4 MiB; never from an
	// address inside the cluster unless the manager's --image-allow-cidrs
	// lists it); fetched again when the URL changes, or when the
	// passes.wallet-operator.io/refetch-images-at annotation of the
	// template (or pass) does.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://')",message="an image url is https://"
	// +optional
	URL string `json:"url,omitempty"`
}

// Language is a language code naming an .lproj folder of the bundle.
// +kubebuilder:validation:MaxLength=16
// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$')",message="a language is a code such as en, cs, pt-BR or zh-Hans"
type Language string

// Relevance tells Wallet when and where to show the pass on the lock screen.
type Relevance struct {
	// Locations near which the pass is relevant (Wallet uses at most 10).
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	Locations []Location `json:"locations,omitempty"`

	// Beacons near which the pass is relevant (Wallet uses at most 10).
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	Beacons []Beacon `json:"beacons,omitempty"`

	// MaxDistance in metres from a location within which the pass is relevant.
	// +kubebuilder:validation:Minimum=0
	// +optional
	MaxDistance *int32 `json:"maxDistance,omitempty"`

	// RelevantDate is the moment the pass becomes relevant (e.g. boarding).
	// Deprecated by Apple in iOS 18 for dates; written for older iPhones,
	// from the first of dates when they are given.
	// +optional
	RelevantDate *metav1.Time `json:"relevantDate,omitempty"`

	// Dates are the moments or intervals when the pass is relevant
	// (relevantDates, iOS 18 and later): a festival's days, a match and its
	// replay. Each is a date, or a startDate and endDate.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Dates []RelevantDate `json:"dates,omitempty"`
}

// RelevantDate is one entry of relevantDates: a moment, or an interval.
// +kubebuilder:validation:XValidation:rule="has(self.date) != (has(self.startDate) || has(self.endDate))",message="a relevant date is either date, or startDate and endDate"
// +kubebuilder:validation:XValidation:rule="has(self.startDate) == has(self.endDate)",message="an interval needs both startDate and endDate"
// +kubebuilder:validation:XValidation:rule="!has(self.startDate) || timestamp(self.startDate) < timestamp(self.endDate)",message="endDate must be after startDate"
type RelevantDate struct {
	// Date is the moment the pass is relevant.
	// +optional
	Date *metav1.Time `json:"date,omitempty"`

	// StartDate and EndDate bound an interval the pass is relevant in.
	// +optional
	StartDate *metav1.Time `json:"startDate,omitempty"`
	// +optional
	EndDate *metav1.Time `json:"endDate,omitempty"`
}

// Location is a place where the pass is relevant.
type Location struct {
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

	// Altitude in metres.
	// +optional
	Altitude *float64 `json:"altitude,omitempty"`

	// RelevantText is shown on the lock screen near this location.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	RelevantText string `json:"relevantText,omitempty"`
}

// Beacon is an iBeacon near which the pass is relevant.
type Beacon struct {
	// ProximityUUID of the beacon.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$')",message="proximityUUID must be a UUID such as F8F589E9-C07E-58B0-AEAB-A36BE4D48FAC"
	// +kubebuilder:validation:MaxLength=36
	// +required
	ProximityUUID string `json:"proximityUUID"`

	// Major identifier of the beacon.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Major *int32 `json:"major,omitempty"`

	// Minor identifier of the beacon.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Minor *int32 `json:"minor,omitempty"`

	// RelevantText is shown on the lock screen near this beacon.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	RelevantText string `json:"relevantText,omitempty"`
}
