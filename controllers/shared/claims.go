package shared

import "sigs.k8s.io/controller-runtime/pkg/client"

// FirstClaim says whether a claimed something (a pass type, a Google
// Wallet class) before b: the older object, and among objects created
// within one second (the creation timestamps' grain) the one already
// holding the claim, so a latecomer cannot take it by the name of its
// namespace; then namespace and name.
func FirstClaim(a, b client.Object, aHolds, bHolds bool) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	if aHolds != bHolds {
		return aHolds
	}
	return a.GetNamespace()+"/"+a.GetName() < b.GetNamespace()+"/"+b.GetName()
}
