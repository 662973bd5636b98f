package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ready reasons of a Pass.
const (
	ReasonSigned           = "Signed"
	ReasonTemplateNotFound = "TemplateNotFound"
	ReasonTemplateNotReady = "TemplateNotReady"
	ReasonInvalidData      = "InvalidData"
	ReasonUnknownField     = "UnknownField"
	ReasonRenderFailed     = "RenderFailed"
	ReasonSigningFailed    = "SigningFailed"
	ReasonSerialConflict   = "SerialConflict"
	ReasonBundleTooLarge   = "BundleTooLarge"
	// ReasonStyleSchemeUnmet: a preferred style scheme (a poster event
	// ticket, a semantic boarding pass) lacks what Wallet needs for it; the
	// message names the scheme and the missing keys.
	ReasonStyleSchemeUnmet = "StyleSchemeUnmet"
	// ReasonReservedKey: passJSON sets a key the operator owns.
	ReasonReservedKey = "ReservedKey"
	// ReasonStoreUnavailable: the bundle store refused or could not be
	// reached; storing is retried with backoff, the last good bundle stays.
	ReasonStoreUnavailable = "StoreUnavailable"
)

// FieldOverride changes one field of the template for this pass.
type FieldOverride struct {
	// Value replaces the field's value; may hold placeholders.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Value *string `json:"value,omitempty"`

	// Label replaces the field's label.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Label *string `json:"label,omitempty"`

	// ChangeMessage replaces the field's change message; must contain %@.
	// +optional
	ChangeMessage *ChangeMessage `json:"changeMessage,omitempty"`
}

// PassBarcode overrides the template's barcode message and text.
type PassBarcode struct {
	// Message encoded in every barcode of the pass (default: the serial
	// number or the template's message).
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Message string `json:"message,omitempty"`

	// AltText shown under the barcode.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AltText string `json:"altText,omitempty"`
}

// PassSpec is one holder's pass.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.anonymized) || !oldSelf.anonymized || (has(self.anonymized) && self.anonymized)",message="anonymized cannot be set back: the personal data is gone; create a new Pass instead"
type PassSpec struct {
	// TemplateRef names the PassTemplate the pass is made from.
	// +required
	TemplateRef LocalObjectReference `json:"templateRef"`

	// SerialNumber identifies the pass, together with its pass type
	// identifier, on devices and in the web service. Unique per pass type
	// identifier across the cluster; it cannot change.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9][A-Za-z0-9._~-]*$')",message="serialNumber starts with a letter or digit and uses letters, digits, '.', '_', '~' and '-' only (it appears in URLs)"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serialNumber is immutable: devices know the pass by it; create a new Pass instead"
	// +required
	SerialNumber string `json:"serialNumber"`

	// Data fills the template's placeholders and must satisfy its dataSchema.
	// At most 256 keys; a pass whose rendered files exceed a ConfigMap's
	// 1 MiB is BundleTooLarge.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=256
	// +kubebuilder:validation:Schemaless
	// +optional
	Data *apiextensionsv1.JSON `json:"data,omitempty"`

	// Fields overrides template fields by key; a key the template lacks is
	// an error reported in status.
	// +kubebuilder:validation:MaxProperties=50
	// +optional
	Fields map[string]FieldOverride `json:"fields,omitempty"`

	// Barcode overrides the barcode message and alternative text.
	// +optional
	Barcode *PassBarcode `json:"barcode,omitempty"`

	// Relevance replaces the template's relevance.
	// +optional
	Relevance *Relevance `json:"relevance,omitempty"`

	// Semantics merge over the template's, key by key: the seat, the
	// attendee, this pass's flight.
	// +optional
	Semantics *Semantics `json:"semantics,omitempty"`

	// UpcomingPassInformation replaces the template's entries of the same
	// identifier and adds the rest.
	// +kubebuilder:validation:MaxItems=20
	// +listType=map
	// +listMapKey=identifier
	// +optional
	UpcomingPassInformation []UpcomingPassInformationEntry `json:"upcomingPassInformation,omitempty"`

	// UserInfo merges over the template's, key by key.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:Schemaless
	// +optional
	UserInfo *apiextensionsv1.JSON `json:"userInfo,omitempty"`

	// PassJSON merges over the template's passJSON, key by key.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:Schemaless
	// +optional
	PassJSON *apiextensionsv1.JSON `json:"passJSON,omitempty"`

	// Images replace the template's image of the same type, scale and
	// language, or add one.
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	// +optional
	Images []Image `json:"images,omitempty"`

	// ExpirationDate after which Wallet shows the pass as expired.
	// +optional
	ExpirationDate *metav1.Time `json:"expirationDate,omitempty"`

	// Voided marks the pass as no longer valid.
	// +optional
	Voided bool `json:"voided,omitempty"`

	// Redeemed marks the pass as used (a redeemed coupon); Wallet shows it
	// as voided.
	// +optional
	Redeemed bool `json:"redeemed,omitempty"`

	// Personalized: the holder signed up through the template's rewards
	// sign-up form (the web service sets it with the details it received),
	// or you know them already: the pass is rendered without the form.
	// +optional
	Personalized bool `json:"personalized,omitempty"`

	// Anonymized removes the holder's personal data for good: the pass is
	// rendered without data, field or image overrides (placeholders show
	// their defaults, or nothing), with its barcode only when the template's
	// anonymization keeps it, and no earlier bundle is kept. It cannot be
	// set back.
	// +optional
	Anonymized bool `json:"anonymized,omitempty"`
}

// PassBarcodeStatus is the barcode the signed bundle shows.
type PassBarcodeStatus struct {
	// Message a scanner reads from the pass (its first barcode).
	// +optional
	Message string `json:"message,omitempty"`
	// Format of that barcode.
	// +optional
	Format BarcodeFormat `json:"format,omitempty"`
}

// PushRequestsStatus records the push-now requests handled (the values of
// the push-requested-at annotation on the pass and on its template).
type PushRequestsStatus struct {
	// Pass is the pass's annotation value last handled.
	// +optional
	Pass string `json:"pass,omitempty"`
	// Template is the template's annotation value last handled.
	// +optional
	Template string `json:"template,omitempty"`
}

// BundleStatus describes the signed bundle being served.
type BundleStatus struct {
	// Store holding the bundle: configmap (also when empty) or s3.
	// +optional
	Store string `json:"store,omitempty"`

	// Key of the pass's own part of the bundle in the store (a ConfigMap's
	// name, an object's key).
	// +optional
	Key string `json:"key,omitempty"`

	// SharedKey of the template's files this bundle was signed with; kept
	// until no bundle refers to it.
	// +optional
	SharedKey string `json:"sharedKey,omitempty"`

	// ConfigMap holding the pass's own part of the bundle (the configmap
	// store).
	// +optional
	ConfigMap string `json:"configMap,omitempty"`

	// SharedConfigMap holding the template's files this bundle was signed
	// with (the configmap store).
	// +optional
	SharedConfigMap string `json:"sharedConfigMap,omitempty"`

	// SHA256 of the assembled .pkpass, hex.
	// +optional
	SHA256 string `json:"sha256,omitempty"`

	// Size of the assembled .pkpass in bytes.
	// +optional
	Size int64 `json:"size,omitempty"`

	// ContentDigest covers every file of the bundle but the signature, and
	// the signing certificate: it changes exactly when the pass's content
	// changes or it is signed by a new certificate, never for a signing
	// time alone.
	// +optional
	ContentDigest string `json:"contentDigest,omitempty"`

	// LastModified is when the content last changed.
	// +optional
	LastModified *metav1.Time `json:"lastModified,omitempty"`

	// Revision is lastModified in Unix nanoseconds: devices' update tags
	// compare it, so two changes in one second are told apart.
	// +optional
	Revision int64 `json:"revision,omitempty"`

	// PassTypeIdentifier the bundle is signed for. The web service answers
	// for a pass type only with a bundle signed for it.
	// +optional
	PassTypeIdentifier string `json:"passTypeIdentifier,omitempty"`

	// Anonymized says the bundle holds no personal data.
	// +optional
	Anonymized bool `json:"anonymized,omitempty"`

	// Damaged is set by the web service when the stored bundle could not be
	// read (missing, corrupt); the manager then signs and stores it again.
	// +optional
	Damaged string `json:"damaged,omitempty"`
}

// PassStatus says which bundle is served and who holds the pass.
type PassStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready (a signed bundle of the current generation is served).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// PassTypeIdentifier the pass is signed for.
	// +optional
	PassTypeIdentifier string `json:"passTypeIdentifier,omitempty"`

	// Bundle is the last good signed bundle; it stays served while a later
	// change is invalid.
	// +optional
	Bundle *BundleStatus `json:"bundle,omitempty"`

	// DownloadURL is the pass's download link (pkpass for Wallet, a preview
	// page for other browsers).
	// +optional
	DownloadURL string `json:"downloadURL,omitempty"`

	// GroupDownloadURL, for a pass labelled passes.wallet-operator.io/group,
	// is the download link of its group: the signed passes of this namespace
	// with the same label value, as one .pkpasses Wallet adds at once (at
	// most 10).
	// +optional
	GroupDownloadURL string `json:"groupDownloadURL,omitempty"`

	// RegisteredDevices is the number of devices registered for updates.
	// +optional
	RegisteredDevices int32 `json:"registeredDevices,omitempty"`

	// DevicesByWallet counts the registered devices by the app that
	// registered them (ios_wallet, android_pass2u, android_walletpasses,
	// android_attido, android_yourwallet, unknown).
	// +optional
	DevicesByWallet map[string]int32 `json:"devicesByWallet,omitempty"`

	// FirstRegistered is when a device first registered the pass.
	// +optional
	FirstRegistered *metav1.Time `json:"firstRegistered,omitempty"`

	// LastRegistered is when a device last registered the pass.
	// +optional
	LastRegistered *metav1.Time `json:"lastRegistered,omitempty"`

	// FirstUnregistered is when a device first unregistered the pass (or
	// was found gone: APNs answered that its token is no longer valid).
	// +optional
	FirstUnregistered *metav1.Time `json:"firstUnregistered,omitempty"`

	// LastUnregistered is when a device last unregistered the pass.
	// +optional
	LastUnregistered *metav1.Time `json:"lastUnregistered,omitempty"`

	// RedeemedAt is when the controller first saw spec.redeemed set.
	// +optional
	RedeemedAt *metav1.Time `json:"redeemedAt,omitempty"`

	// LastPushed is when devices were last told of a change.
	// +optional
	LastPushed *metav1.Time `json:"lastPushed,omitempty"`

	// PushedDigest is the content digest every registered device has been
	// pushed for (each push delivered, refused for good or its registration
	// dropped): the fan-out for that version is over.
	// +optional
	PushedDigest string `json:"pushedDigest,omitempty"`

	// PushRequests are the push-now requests handled.
	// +optional
	PushRequests *PushRequestsStatus `json:"pushRequests,omitempty"`

	// Barcode is the barcode the signed bundle shows: what a scanner reads
	// (select passes by it: --field-selector status.barcode.message=...).
	// +optional
	Barcode *PassBarcodeStatus `json:"barcode,omitempty"`

	// Expired is true once the pass's expiration date (its own, or the
	// template's default) has passed; the last signed version says which.
	// +optional
	Expired bool `json:"expired,omitempty"`

	// GoogleWallet is where the pass's Google Wallet object stands, when
	// its template is a Google Wallet class.
	// +optional
	GoogleWallet *GoogleWalletObjectStatus `json:"googleWallet,omitempty"`
}

// PassSelectableFields are the Pass fields the API server selects by
// (--field-selector), as the markers below declare them.
var PassSelectableFields = []string{"spec.serialNumber", "spec.templateRef.name", "spec.barcode.message", "status.barcode.message",
	"spec.voided", "spec.redeemed", "status.expired", "spec.anonymized"}

// Pass is one holder's Apple Wallet pass, made from a PassTemplate.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wpass,categories=wallet
// +kubebuilder:selectablefield:JSONPath=".spec.serialNumber"
// +kubebuilder:selectablefield:JSONPath=".spec.templateRef.name"
// +kubebuilder:selectablefield:JSONPath=".spec.barcode.message"
// +kubebuilder:selectablefield:JSONPath=".status.barcode.message"
// +kubebuilder:selectablefield:JSONPath=".spec.voided"
// +kubebuilder:selectablefield:JSONPath=".spec.redeemed"
// +kubebuilder:selectablefield:JSONPath=".status.expired"
// +kubebuilder:selectablefield:JSONPath=".spec.anonymized"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].reason"
// +kubebuilder:printcolumn:name="Template",type=string,JSONPath=".spec.templateRef.name"
// +kubebuilder:printcolumn:name="Serial",type=string,JSONPath=".spec.serialNumber"
// +kubebuilder:printcolumn:name="Devices",type=integer,JSONPath=".status.registeredDevices"
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type Pass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PassSpec `json:"spec"`
	// +optional
	Status PassStatus `json:"status,omitempty"`
}

// PassList is a list of Passes.
//
// +kubebuilder:object:root=true
type PassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Pass `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Pass{}, &PassList{})
}
