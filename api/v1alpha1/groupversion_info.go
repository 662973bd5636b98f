// Package v1alpha1 holds the passes.wallet-operator.io/v1alpha1 API:
// PassCertificate (the signing identity), PassTemplate (the design shared by
// a family of passes), Pass (one holder's pass) and DeviceRegistration (a
// device that added a pass, written by the web service).
//
// +kubebuilder:object:generate=true
// +groupName=passes.wallet-operator.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// GroupName is the API group; well-known labels and annotations are
// prefixed with it.
const GroupName = "passes.wallet-operator.io"

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
