package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeviceRegistrationSpec is one device's registration for updates of one
// pass, as Apple's web service protocol creates it. It holds a device
// identifier and a push token: never log or print either.
type DeviceRegistrationSpec struct {
	// DeviceLibraryIdentifier identifies the device (Wallet's library).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	DeviceLibraryIdentifier string `json:"deviceLibraryIdentifier"`

	// PushToken is the APNs token pushes for this pass go to.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +required
	PushToken string `json:"pushToken"`

	// PassTypeIdentifier and SerialNumber name the pass as devices know it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	PassTypeIdentifier string `json:"passTypeIdentifier"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +required
	SerialNumber string `json:"serialNumber"`

	// PassName is the Pass in this namespace.
	// +kubebuilder:validation:MinLength=1
	// +required
	PassName string `json:"passName"`

	// RegisteredDigest is the content digest of the pass when the device
	// registered: it has that version, so it is not pushed for it.
	// +optional
	RegisteredDigest string `json:"registeredDigest,omitempty"`

	// Wallet is the app that registered, told by its User-Agent, by
	// Yourpass's names: ios_wallet, android_pass2u, android_walletpasses,
	// android_attido, android_yourwallet, or unknown.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Wallet string `json:"wallet,omitempty"`
}

// DeviceRegistrationStatus records what the device was last told.
type DeviceRegistrationStatus struct {
	// PushedDigest is the content digest of the pass the device was last
	// pushed for; a push is due while it differs from the pass's.
	// +optional
	PushedDigest string `json:"pushedDigest,omitempty"`

	// LastPushed is when the last push was accepted by APNs.
	// +optional
	LastPushed *metav1.Time `json:"lastPushed,omitempty"`
}

// DeviceRegistration is a device registered for updates of a pass. The web
// service creates and deletes them; they are named from a hash, never from
// the device identifier.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=devreg
// +kubebuilder:printcolumn:name="Pass",type=string,JSONPath=".spec.passName"
// +kubebuilder:printcolumn:name="Serial",type=string,JSONPath=".spec.serialNumber"
// +kubebuilder:printcolumn:name="Last Pushed",type=date,JSONPath=".status.lastPushed"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type DeviceRegistration struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec DeviceRegistrationSpec `json:"spec"`
	// +optional
	Status DeviceRegistrationStatus `json:"status,omitempty"`
}

// DeviceRegistrationList is a list of DeviceRegistrations.
//
// +kubebuilder:object:root=true
type DeviceRegistrationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DeviceRegistration `json:"items"`
}

func init() {
	SchemeBuilder.Register(&DeviceRegistration{}, &DeviceRegistrationList{})
}
