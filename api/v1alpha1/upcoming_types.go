package v1alpha1

// UpcomingPassInformationEntry is one event of a multi-event pass (Apple's
// UpcomingPassInformationEntry, iOS 26): a festival's days, a season
// ticket's matches. Texts may hold placeholders.
type UpcomingPassInformationEntry struct {
	// Identifier is unique among the pass's entries; a Pass's entry
	// replaces its template's entry of the same identifier.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	Identifier string `json:"identifier"`

	// Name of the event.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +required
	Name string `json:"name"`

	// Type of the entry; event is the one Apple defines.
	// +kubebuilder:validation:Enum=event
	// +kubebuilder:default=event
	// +optional
	Type string `json:"type,omitempty"`

	// IsActive marks the entry as the current one.
	// +optional
	IsActive bool `json:"isActive,omitempty"`

	// DateInformation says when the event is; without it Wallet shows TBD.
	// +optional
	DateInformation *UpcomingDateInformation `json:"dateInformation,omitempty"`

	// Semantics of this event (venue, performers, seats).
	// +optional
	Semantics *Semantics `json:"semantics,omitempty"`

	// AdditionalInfoFields are shown below the pass for this event.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	AdditionalInfoFields []Field `json:"additionalInfoFields,omitempty"`

	// BackFields are shown on the event's details.
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	// +optional
	BackFields []Field `json:"backFields,omitempty"`

	// URLs of the event's actions (Apple's keys: orderFoodURL,
	// parkingInformationURL, transferURL, ...); values may hold
	// placeholders.
	// +kubebuilder:validation:MaxProperties=20
	// +optional
	URLs map[string]string `json:"URLs,omitempty"`

	// AuxiliaryStoreIdentifiers are App Store IDs of apps for this event.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	AuxiliaryStoreIdentifiers []int64 `json:"auxiliaryStoreIdentifiers,omitempty"`

	// Images of the event's details.
	// +optional
	Images *UpcomingImages `json:"images,omitempty"`
}

// UpcomingDateInformation is when an upcoming event is.
type UpcomingDateInformation struct {
	// Date in ISO 8601; may be a placeholder.
	// +optional
	Date SemanticDate `json:"date,omitempty"`
	// IgnoreTimeComponents shows the date without its time.
	// +optional
	IgnoreTimeComponents bool `json:"ignoreTimeComponents,omitempty"`
	// IsAllDay: the event lasts the whole day.
	// +optional
	IsAllDay bool `json:"isAllDay,omitempty"`
	// IsUnannounced shows "Time TBA".
	// +optional
	IsUnannounced bool `json:"isUnannounced,omitempty"`
	// IsUndetermined: the time is not settled yet.
	// +optional
	IsUndetermined bool `json:"isUndetermined,omitempty"`
	// TimeZone is an IANA time zone, such as Europe/Prague.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
}

// UpcomingImages are an upcoming event's header image and venue map.
type UpcomingImages struct {
	// +optional
	HeaderImage *UpcomingImage `json:"headerImage,omitempty"`
	// +optional
	VenueMap *UpcomingImage `json:"venueMap,omitempty"`
}

// UpcomingImage reuses the pass's own image, or names remote ones Wallet
// downloads (https, with their SHA-256).
// +kubebuilder:validation:XValidation:rule="has(self.reuseExisting) && self.reuseExisting ? !has(self.URLs) : has(self.URLs)",message="an upcoming event's image either reuses the pass's own (reuseExisting) or lists URLs"
type UpcomingImage struct {
	// +optional
	ReuseExisting *bool `json:"reuseExisting,omitempty"`
	// +kubebuilder:validation:MaxItems=3
	// +listType=atomic
	// +optional
	URLs []UpcomingImageURL `json:"URLs,omitempty"`
}

// UpcomingImageURL is one remote image of an upcoming event.
type UpcomingImageURL struct {
	// URL of the image; https.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://')",message="Wallet downloads upcoming event images over https only"
	// +required
	URL string `json:"URL"`
	// SHA256 of the image, in hex.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9a-f]{64}$')",message="SHA256 is 64 lowercase hex digits"
	// +kubebuilder:validation:MaxLength=64
	// +required
	SHA256 string `json:"SHA256"`
	// Scale of the image: 1, 2 or 3.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3
	// +optional
	Scale int32 `json:"scale,omitempty"`
	// Size in bytes; at most 2 MB.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2097152
	// +optional
	Size int64 `json:"size,omitempty"`
}

// NFC makes the pass readable by Apple VAS terminals (Pass.NFC). It needs a
// pass type certificate Apple enabled for NFC.
type NFC struct {
	// Message the terminal reads: at most 64 bytes once placeholders are
	// filled (the holder's member number, say).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +required
	Message string `json:"message"`

	// EncryptionPublicKey is the terminal's P-256 public key (PEM, or the
	// base64 X.509 SubjectPublicKeyInfo Apple writes), read from a
	// ConfigMap or Secret key.
	// +required
	EncryptionPublicKey KeySource `json:"encryptionPublicKey"`

	// RequiresAuthentication asks the holder to authenticate (Face ID,
	// passcode) before the pass is read.
	// +optional
	RequiresAuthentication bool `json:"requiresAuthentication,omitempty"`
}

// KeySource reads a value from exactly one ConfigMap or Secret key.
// +kubebuilder:validation:XValidation:rule="has(self.configMapKeyRef) != has(self.secretKeyRef)",message="read from exactly one of configMapKeyRef or secretKeyRef"
type KeySource struct {
	// +optional
	ConfigMapKeyRef *KeyReference `json:"configMapKeyRef,omitempty"`
	// +optional
	SecretKeyRef *KeyReference `json:"secretKeyRef,omitempty"`
}
