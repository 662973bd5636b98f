package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GoogleWalletVertical is the kind of Google Wallet class and object a
// template's passes become.
// +kubebuilder:validation:Enum=generic;offer;loyalty;eventTicket;transit;flight
type GoogleWalletVertical string

// The Google Wallet verticals a template maps to.
const (
	VerticalGeneric     GoogleWalletVertical = "generic"
	VerticalOffer       GoogleWalletVertical = "offer"
	VerticalLoyalty     GoogleWalletVertical = "loyalty"
	VerticalEventTicket GoogleWalletVertical = "eventTicket"
	VerticalTransit     GoogleWalletVertical = "transit"
	// VerticalFlight: a boarding pass for a flight (transitType
	// PKTransitTypeAir with airlineCode and flightNumber semantics), as
	// Google's flight class and object.
	VerticalFlight GoogleWalletVertical = "flight"
)

// The condition of status.googleWallet, and its reasons.
const (
	// ConditionGoogleWalletReady: the class or object is in sync with
	// Google Wallet (or, without credentials, its development save link is
	// signed). Apple's Ready never depends on it.
	ConditionGoogleWalletReady = "GoogleWalletReady"

	ReasonGoogleWalletSynced      = "Synced"
	ReasonGoogleWalletDevelopment = "DevelopmentKey"
	ReasonCredentialsUnreadable   = "CredentialsUnreadable"
	ReasonIssuerRefused           = "IssuerRefused"
	ReasonClassInvalid            = "ClassInvalid"
	ReasonObjectInvalid           = "ObjectInvalid"
	ReasonGoogleWalletUnavailable = "GoogleWalletUnavailable"
	ReasonNotRendered             = "NotRendered"
	// ReasonClassClaimed: another template (the oldest naming it) owns the
	// class ID this template's spec.googleWallet names.
	ReasonClassClaimed = "ClassClaimed"
	// ReasonClassPending: the pass's object waits for its template's class
	// to be at Google (the template's status.googleWallet says how that
	// stands).
	ReasonClassPending = "ClassPending"
)

// GoogleWallet makes a template a Google Wallet class, and every pass of it
// an object of that class, kept in sync by the operator from the same
// template and data as the Apple pass.
type GoogleWallet struct {
	// IssuerID is the issuer's number in the Google Pay & Wallet Console.
	// +kubebuilder:validation:Pattern=`^[0-9]{1,25}$`
	// +required
	IssuerID string `json:"issuerID"`

	// ServiceAccountKeySecretRef is the key of a Secret holding the JSON
	// key of a service account the issuer granted access. Without it
	// nothing is sent to Google and save links are signed with a
	// development key (Google refuses them; they show what would be saved).
	// +optional
	ServiceAccountKeySecretRef *KeyReference `json:"serviceAccountKeySecretRef,omitempty"`

	// ClassSuffix makes the class ID <issuerID>.<classSuffix>; by default
	// <namespace>.<template name>.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]{1,100}$`
	// +optional
	ClassSuffix string `json:"classSuffix,omitempty"`

	// Vertical of the class and its objects; by default from the style:
	// boardingPass → transit (Google's flight class describes one flight,
	// not a template's many), eventTicket → eventTicket, coupon → offer,
	// storeCard → loyalty, generic → generic.
	// +optional
	Vertical GoogleWalletVertical `json:"vertical,omitempty"`
}

// GoogleWalletClassStatus is where a template's Google Wallet class stands.
type GoogleWalletClassStatus struct {
	// ClassID is <issuerID>.<classSuffix>.
	// +optional
	ClassID string `json:"classID,omitempty"`

	// Vertical the class is of.
	// +optional
	Vertical GoogleWalletVertical `json:"vertical,omitempty"`

	// ContentDigest of the class as last sent to Google (or, without
	// credentials, as mapped): it is sent again only when this changes.
	// +optional
	ContentDigest string `json:"contentDigest,omitempty"`

	// Conditions: GoogleWalletReady.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// GoogleWalletObjectStatus is where a pass's Google Wallet object stands.
type GoogleWalletObjectStatus struct {
	// ObjectID is <issuerID>.<installation>.<namespace>.<template>.<serial>
	// (or, for an object sent before, the ID it was sent under).
	// +optional
	ObjectID string `json:"objectID,omitempty"`

	// ClassID, Vertical and Credentials are what the object was last sent
	// to Google with: kept so that a deleted pass is voided at Google even
	// when its template went first (kubectl delete -f, a namespace deleted).
	// +optional
	ClassID string `json:"classID,omitempty"`
	// +optional
	Vertical GoogleWalletVertical `json:"vertical,omitempty"`
	// +optional
	Credentials *KeyReference `json:"credentials,omitempty"`

	// ContentDigest of the object as last sent to Google (or, without
	// credentials, as mapped): it is sent again only when this changes.
	// +optional
	ContentDigest string `json:"contentDigest,omitempty"`

	// SaveURL adds the pass to Google Wallet:
	// https://pay.google.com/gp/v/save/<signed JWT>.
	// +optional
	SaveURL string `json:"saveURL,omitempty"`

	// SignedBy is the service account that signed the save link, or
	// "development" for a development key Google refuses.
	// +optional
	SignedBy string `json:"signedBy,omitempty"`

	// Users is how many Google accounts hold the pass, from Google's
	// save and delete callbacks.
	// +optional
	Users int64 `json:"users,omitempty"`

	// RecentNonces are the nonces of the pass's last callbacks: a callback
	// seen before (Google retrying, a replay) is refused by every web
	// service replica.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	RecentNonces []string `json:"recentNonces,omitempty"`

	// Conditions: GoogleWalletReady.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}
