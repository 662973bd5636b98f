package passcertificate

import (
	"context"
	"path"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Tenancy is what a cluster administrator allows namespaces to do with
// pass type identifiers. A pass type identifier belongs to one namespace:
// the namespace of the oldest PassCertificate that claims it with an
// otherwise usable certificate. Development chains, which anyone can make
// for any pass type, are allowed only where the administrator says.
type Tenancy struct {
	// Development allows development chains in every namespace (the
	// manager's --development).
	Development bool
	// DevelopmentNamespaces allow development chains in the namespaces they
	// match, as shell patterns (--development-namespaces=dev-*,team-a).
	DevelopmentNamespaces []string
	// SharedPassTypes may be claimed by several namespaces
	// (--shared-pass-types); "*" shares every pass type.
	SharedPassTypes []string
}

// developmentAllowed says whether namespace may sign with a development
// chain.
func (t Tenancy) developmentAllowed(namespace string) bool {
	return t.Development || slices.ContainsFunc(t.DevelopmentNamespaces, func(pattern string) bool {
		ok, err := path.Match(pattern, namespace)
		return err == nil && ok
	})
}

func (t Tenancy) shared(passType string) bool {
	return slices.Contains(t.SharedPassTypes, passType) || slices.Contains(t.SharedPassTypes, "*")
}

// developmentRefused is the verdict on a development chain where none is
// allowed.
func developmentRefused() *certs.Problem {
	return &certs.Problem{Reason: walletv1.ReasonDevelopmentNotAllowed,
		Message: "development chains (selfSigned, or a certificate not issued by Apple's WWDR) are not allowed in this namespace: " +
			"use the Pass Type ID certificate from the Apple Developer portal, or ask a cluster administrator to list the namespace in the manager's --development-namespaces"}
}

// claimedElsewhere says, for a certificate that is otherwise usable,
// whether another namespace owns its pass type identifier: another
// namespace holds the oldest claimant.
func (r *Reconciler) claimedElsewhere(ctx context.Context, cert *walletv1.PassCertificate) (*certs.Problem, error) {
	pt := cert.Status.PassTypeIdentifier
	if pt == "" || r.Tenancy.shared(pt) {
		return nil, nil
	}
	var list walletv1.PassCertificateList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.CertificatePassType.Name: pt}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	// The owner is the namespace of the oldest claimant, this one included:
	// a second certificate in the owner's namespace (a rotation) is fine.
	owner := cert
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID != cert.UID && isClaimant(other) && olderThan(other, owner) {
			owner = other
		}
	}
	if owner.Namespace == cert.Namespace {
		return nil, nil
	}
	return &certs.Problem{Reason: walletv1.ReasonPassTypeClaimed,
		Message: "pass type identifier " + pt + " belongs to another namespace: one namespace owns a pass type. " +
			"If this namespace should sign for it too, a cluster administrator can list it in the manager's --shared-pass-types"}, nil
}

// isClaimant: the certificate's identity was read and usable as far as its
// own checks go (Ready, or refused only for the claim itself).
func isClaimant(c *walletv1.PassCertificate) bool {
	r := status.Ready(c.Status.Conditions)
	return r != nil && c.Status.PassTypeIdentifier != "" && (r.Reason == walletv1.ReasonCertificateValid || r.Reason == walletv1.ReasonPassTypeClaimed)
}

func olderThan(a, b *walletv1.PassCertificate) bool {
	return shared.FirstClaim(a, b, signing(a), signing(b))
}

func signing(c *walletv1.PassCertificate) bool {
	r := status.Ready(c.Status.Conditions)
	return r != nil && r.Reason == walletv1.ReasonCertificateValid
}

// sameClaim maps a certificate to the other certificates of its pass type
// (in every namespace), whose claims its claim may decide.
func (r *Reconciler) sameClaim(ctx context.Context, obj client.Object) []reconcile.Request {
	pt := obj.(*walletv1.PassCertificate).Status.PassTypeIdentifier
	if pt == "" {
		return nil
	}
	var list walletv1.PassCertificateList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.CertificatePassType.Name: pt}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	reqs := shared.Requests(&list)
	return slices.DeleteFunc(reqs, func(req reconcile.Request) bool { return req.NamespacedName == client.ObjectKeyFromObject(obj) })
}

// claimChanged passes the certificate events that can change who owns a
// pass type: a claim appearing, going or changing hands.
func claimChanged() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*walletv1.PassCertificate), e.ObjectNew.(*walletv1.PassCertificate)
			return o.Status.PassTypeIdentifier != n.Status.PassTypeIdentifier || isClaimant(o) != isClaimant(n)
		},
		DeleteFunc: func(event.DeleteEvent) bool { return true },
	}
}
