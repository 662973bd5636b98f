// Package controllers holds the reconcilers of the three kinds:
// PassCertificate, PassTemplate and Pass.
package controllers

import (
	ctrl "sigs.k8s.io/controller-runtime"
)

// The manager's permissions. They are generated into config/rbac/role.yaml
// and cover only what the controllers read and own.
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passcertificates;passtemplates;passes,verbs=get;list;watch
// +kubebuilder:rbac:groups=passes.wallet-operator.io,resources=passcertificates/status;passtemplates/status;passes/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// SetupWithManager registers every reconciler with mgr. The reconcilers
// arrive with the controllers issue; the manager, its probes, metrics and
// leader election run already.
func SetupWithManager(mgr ctrl.Manager) error {
	_ = mgr
	return nil
}
