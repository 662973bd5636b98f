package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Keys of the Secret a PassCertificate points to. Either the three PEM keys
// or the PKCS#12 pair.
const (
	// SecretKeyCertificate holds the Pass Type ID certificate (PEM).
	SecretKeyCertificate = "tls.crt"
	// SecretKeyPrivateKey holds its private key (PEM, PKCS#1 or PKCS#8).
	SecretKeyPrivateKey = "tls.key"
	// SecretKeyIntermediate holds the intermediate that issued the
	// certificate (PEM); optional for Apple's WWDR intermediates, which are
	// built in.
	SecretKeyIntermediate = "ca.crt"
	// SecretKeyPKCS12 holds the certificate and key as exported by Keychain.
	SecretKeyPKCS12 = "certificate.p12"
	// SecretKeyPKCS12Password holds the password of SecretKeyPKCS12.
	SecretKeyPKCS12Password = "password"
	// SecretKeyDevelopmentRoot holds the root of a generated development
	// chain, so a tester can trust it by hand.
	SecretKeyDevelopmentRoot = "root.crt"
	// SecretKeyRenewalKey holds the key of a renewal's certificate request
	// (kubectl wallet certificate request --renew) until its certificate is
	// imported; tls.key keeps signing meanwhile.
	SecretKeyRenewalKey = "renewal.key"
)

// AnnotationRequestedPassType on a PassCertificate's Secret records the
// pass type identifier a certificate was requested for (kubectl wallet
// certificate request); import checks Apple's certificate against it.
const AnnotationRequestedPassType = GroupName + "/requested-pass-type-identifier"

// Ready reasons of a PassCertificate, from the first failing check.
const (
	ReasonCertificateValid    = "Valid"
	ReasonSecretNotFound      = "SecretNotFound"
	ReasonSecretInvalid       = "SecretInvalid"
	ReasonExpired             = "Expired"
	ReasonNotYetValid         = "NotYetValid"
	ReasonKeyMismatch         = "KeyMismatch"
	ReasonMissingIntermediate = "MissingIntermediate"
	ReasonWrongIntermediate   = "WrongIntermediate"
	// ReasonUntrustedChain: the intermediate carries Apple's name but
	// Apple's root did not sign it (a chain made to look like Apple's).
	ReasonUntrustedChain = "UntrustedChain"
	// ReasonAwaitingCertificate: the Secret holds the key of a certificate
	// request, and Apple's certificate is still to be imported.
	ReasonAwaitingCertificate = "AwaitingCertificate"
	ReasonNotAPassCertificate = "NotAPassCertificate"
	ReasonExpiringSoon        = "ExpiringSoon"
	ReasonNotExpiring         = "NotExpiring"
	// ReasonPassTypeClaimed: another namespace's PassCertificate owns the
	// pass type identifier (a pass type belongs to one namespace).
	ReasonPassTypeClaimed = "PassTypeClaimed"
	// ReasonDevelopmentNotAllowed: a development chain (selfSigned, or one
	// not leading to Apple's root) in a namespace the manager does not allow
	// them in.
	ReasonDevelopmentNotAllowed = "DevelopmentNotAllowed"
)

// PassCertificateSpec points at the signing identity of a family of passes.
type PassCertificateSpec struct {
	// SecretRef names the Secret holding the Pass Type ID certificate and key:
	// PEM tls.crt, tls.key and optionally ca.crt (the intermediate that
	// issued the certificate; Apple's WWDR intermediates are built in), or
	// certificate.p12 with its password. The same identity is the APNs client
	// certificate for pushes.
	// +required
	SecretRef LocalObjectReference `json:"secretRef"`

	// SelfSigned asks the controller to generate a development chain (root,
	// intermediate, pass certificate) into SecretRef when that Secret does not
	// exist. Passes it signs are well-formed but no real device trusts them.
	// An existing Secret is never overwritten.
	// +optional
	SelfSigned *SelfSignedCertificate `json:"selfSigned,omitempty"`

	// ExpiryWarning is how long before notAfter the Expiring condition turns
	// True and a warning Event is recorded.
	// +kubebuilder:default="720h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="expiryWarning must not be negative"
	// +optional
	ExpiryWarning *metav1.Duration `json:"expiryWarning,omitempty"`
}

// SelfSignedCertificate describes the development identity to generate.
type SelfSignedCertificate struct {
	// PassTypeIdentifier becomes the certificate's subject UID, e.g.
	// pass.com.example.membership.
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^pass[.][A-Za-z0-9-]+([.][A-Za-z0-9-]+)+$')",message="passTypeIdentifier is a reverse-DNS name starting with pass., e.g. pass.com.example.membership"
	// +required
	PassTypeIdentifier string `json:"passTypeIdentifier"`

	// TeamIdentifier becomes the certificate's subject OU: ten upper-case
	// letters or digits, like an Apple team ID.
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z0-9]{10}$')",message="teamIdentifier is ten upper-case letters or digits, e.g. A1B2C3D4E5"
	// +required
	TeamIdentifier string `json:"teamIdentifier"`

	// Validity of the generated pass certificate.
	// +kubebuilder:default="8760h"
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="validity must be positive"
	// +optional
	Validity *metav1.Duration `json:"validity,omitempty"`
}

// PassCertificateStatus holds the facts read from the certificate.
type PassCertificateStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready (the identity can sign) and Expiring.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// PassTypeIdentifier read from the certificate's subject UID.
	// +optional
	PassTypeIdentifier string `json:"passTypeIdentifier,omitempty"`

	// TeamIdentifier read from the certificate's subject OU.
	// +optional
	TeamIdentifier string `json:"teamIdentifier,omitempty"`

	// NotBefore of the pass certificate.
	// +optional
	NotBefore *metav1.Time `json:"notBefore,omitempty"`

	// NotAfter of the pass certificate.
	// +optional
	NotAfter *metav1.Time `json:"notAfter,omitempty"`

	// Fingerprint is the SHA-256 of the certificate (DER), hex.
	// +optional
	Fingerprint string `json:"fingerprint,omitempty"`

	// Development is true when the chain does not lead, by signature, to
	// Apple's root: passes are well-formed but no real device trusts them.
	// +optional
	Development bool `json:"development,omitempty"`
}

// PassCertificate is the signing identity of a family of passes: a Pass Type
// ID certificate, its key and Apple's WWDR intermediate, held in a Secret.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=pcert;passcert,categories=wallet
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=".status.conditions[?(@.type==\"Ready\")].reason"
// +kubebuilder:printcolumn:name="Pass Type",type=string,JSONPath=".status.passTypeIdentifier"
// +kubebuilder:printcolumn:name="Expires",type=string,format=date-time,JSONPath=".status.notAfter"
// +kubebuilder:printcolumn:name="Message",type=string,priority=1,JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type PassCertificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PassCertificateSpec `json:"spec"`
	// +optional
	Status PassCertificateStatus `json:"status,omitempty"`
}

// PassCertificateList is a list of PassCertificates.
//
// +kubebuilder:object:root=true
type PassCertificateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PassCertificate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PassCertificate{}, &PassCertificateList{})
}
