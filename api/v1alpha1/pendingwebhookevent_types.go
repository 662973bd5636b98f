package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PendingWebhookEventSpec is one event of a pass, as the web service saw
// it happen.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="an event does not change once it happened"
type PendingWebhookEventSpec struct {
	// PassName is the Pass in this namespace the event is about.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	PassName string `json:"passName"`

	// Sequence orders the pass's events: they are sent oldest first, one at
	// a time.
	// +required
	Sequence int64 `json:"sequence"`

	// Event is what happened: a device registered or unregistered, a Google
	// account saved or deleted the pass.
	// +required
	Event WebhookEvent `json:"event"`

	// Time of the change.
	// +required
	Time metav1.MicroTime `json:"time"`

	// DeviceCount is the pass's devices after the change (device events).
	// +optional
	DeviceCount int32 `json:"deviceCount,omitempty"`

	// UserCount is the Google accounts holding the pass after the change
	// (userAdd, userDelete).
	// +optional
	UserCount int32 `json:"userCount,omitempty"`

	// Wallet is the app of the device (device events), by Yourpass's
	// names.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Wallet string `json:"wallet,omitempty"`
}

// PendingWebhookEventStatus is how delivery stands.
type PendingWebhookEventStatus struct {
	// Attempts made so far.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`

	// DeliveredTo are the webhook URLs that took it already.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	DeliveredTo []string `json:"deliveredTo,omitempty"`

	// NextAttempt is when it is tried again after a failed attempt.
	// +optional
	NextAttempt *metav1.Time `json:"nextAttempt,omitempty"`
}

// PendingWebhookEvent is a pass's event that its template's webhooks have
// not all taken yet: the outbox of the DeviceRegistration backend (with
// PostgreSQL, events wait in its outbox table). The web service creates one
// when the event happens and deletes it once every webhook took it (or it
// gave up), so a restart loses none. Each is owned by its Pass.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Pass",type=string,JSONPath=".spec.passName"
// +kubebuilder:printcolumn:name="Event",type=string,JSONPath=".spec.event"
// +kubebuilder:printcolumn:name="Attempts",type=integer,JSONPath=".status.attempts"
// +kubebuilder:printcolumn:name="Next Attempt",type=date,JSONPath=".status.nextAttempt"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
type PendingWebhookEvent struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PendingWebhookEventSpec `json:"spec"`
	// +optional
	Status PendingWebhookEventStatus `json:"status,omitempty"`
}

// PendingWebhookEventList is a list of PendingWebhookEvents.
//
// +kubebuilder:object:root=true
type PendingWebhookEventList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PendingWebhookEvent `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PendingWebhookEvent{}, &PendingWebhookEventList{})
}
