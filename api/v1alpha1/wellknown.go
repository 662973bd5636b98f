package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Well-known labels, annotations and names: the contracts the manager, the
// web service and the command line share. They are declared here once, beside
// the types, and imported by everyone who reads or writes them (as Cluster
// API keeps them in its common_types.go).

// Labels.
const (
	// LabelManagedBy marks every object the operator creates; its value is
	// ManagedBy.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of LabelManagedBy.
	ManagedBy = "wallet-operator"

	// LabelTemplate names the PassTemplate an object belongs to (a bundle
	// ConfigMap, a push credentials Secret).
	LabelTemplate = GroupName + "/template"
	// LabelTemplateNamespace names the namespace of that PassTemplate where
	// the object lives elsewhere (push credentials in the operator's
	// namespace).
	LabelTemplateNamespace = GroupName + "/template-namespace"
	// LabelPass names the Pass a bundle ConfigMap or DeviceRegistration
	// belongs to.
	LabelPass = GroupName + "/pass"
	// LabelPart says which part an object is: PartShared, PartPass or
	// PartPushCredentials.
	LabelPart = GroupName + "/part"
	// LabelIssuedBy marks passes created through a template's issue link.
	LabelIssuedBy = GroupName + "/issued-by"
	// LabelWebhookAPIKey: "true" on a Secret allows templates of its
	// namespace to send its keys to their webhooks. A Secret without it
	// (a database password, say) is never sent anywhere.
	LabelWebhookAPIKey = GroupName + "/webhook-api-key"
	// LabelScannerKey: "true" on a Secret allows templates of its
	// namespace to accept its keys from gate scanners (spec.checkIn).
	LabelScannerKey = GroupName + "/scanner-key"
	// LabelGoogleWalletKey: "true" on a Secret allows templates of its
	// namespace to act as the Google service account whose key it holds.
	// Without it a template author could make the operator use a key they
	// cannot read themselves (the platform's own service account, say).
	LabelGoogleWalletKey = GroupName + "/google-wallet-key"

	// LabelGroup puts a Pass in a group of its namespace (a family's
	// tickets, a party's boarding passes): each pass of it gets
	// status.groupDownloadURL, one .pkpasses of the group's signed passes
	// (at most 10, as Wallet takes).
	LabelGroup = GroupName + "/group"
)

// Values of LabelPart.
const (
	// PartShared is a ConfigMap of the files every pass of a template shares.
	PartShared = "shared"
	// PartPass is a ConfigMap of one pass's own files.
	PartPass = "pass"
	// PartPushCredentials is a Secret the manager keeps for the web service.
	PartPushCredentials = "push-credentials"
)

// Annotations.
const (
	// AnnotationContentDigest records the content digest of the stored files.
	AnnotationContentDigest = GroupName + "/content-digest"
	// AnnotationSharedConfigMap records which shared ConfigMap a pass's
	// bundle was signed with.
	AnnotationSharedConfigMap = GroupName + "/shared-configmap"
	// AnnotationBundle records the bundle's status (JSON BundleStatus), so
	// the status can be restored from what is stored without signing again.
	AnnotationBundle = GroupName + "/bundle"
	// AnnotationDevelopment marks a Secret holding a generated development
	// chain.
	AnnotationDevelopment = GroupName + "/development"
	// AnnotationPushRequestedAt on a Pass or PassTemplate asks for a push to
	// every registered device of it, once per distinct value (an RFC 3339
	// time), though nothing changed.
	AnnotationPushRequestedAt = GroupName + "/push-requested-at"
	// AnnotationRefetchImagesAt on a PassTemplate or Pass fetches its
	// images given by url again, once per distinct value.
	AnnotationRefetchImagesAt = GroupName + "/refetch-images-at"
	// AnnotationCheckedInAt and AnnotationCheckedInBy record a check-in at
	// the gate on the Pass, in the same write that redeems it: when
	// (RFC 3339) and the gate (the scanner key's Secret name, or "kubectl").
	AnnotationCheckedInAt = GroupName + "/checked-in-at"
	AnnotationCheckedInBy = GroupName + "/checked-in-by"
	// GateKubectl is the gate of a pass redeemed with kubectl wallet redeem.
	GateKubectl = "kubectl"
)

// FinalizerVoidOnDelete holds a deleted Pass until its devices were pushed a
// final voided version (bounded by the manager's --void-timeout).
const FinalizerVoidOnDelete = GroupName + "/void-on-delete"

// PushRequest is the push-now request an object's annotation makes: "" when
// there is none, an error when the value is not an RFC 3339 time.
func PushRequest(annotations map[string]string) (string, error) {
	v, ok := annotations[AnnotationPushRequestedAt]
	if !ok || v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return "", fmt.Errorf("annotation %s=%q is not an RFC 3339 time such as %s: nothing is pushed until it is",
			AnnotationPushRequestedAt, v, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Format(time.RFC3339))
	}
	return v, nil
}

// LabelValue is an object's name as a label value: the name itself when it
// fits the 63 characters a label value holds, else a prefix and a hash of
// it, so that names of up to 253 characters still label and select.
func LabelValue(name string) string {
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(name[:50], "-._") + "-" + hex.EncodeToString(sum[:6])
}

// AnnotationTemplate names, in full, the PassTemplate a push credentials
// Secret belongs to (its label holds LabelValue of the name).
const AnnotationTemplate = GroupName + "/template"

// FieldOwner is the field manager of every server-side apply the operator
// makes.
const FieldOwner = "wallet-operator"

// TokenKeySecretName is the default name of the Secret, in the operator's
// namespace, holding the key every pass's tokens derive from.
const TokenKeySecretName = "wallet-operator-token-key"

// The leader election Leases of the two components.
const (
	LeaderElectionIDManager    = "wallet-operator-manager." + GroupName
	LeaderElectionIDWebService = "wallet-operator-webservice." + GroupName
)

// ManagedLabels are the labels of an object the operator creates, with
// extra labels added.
func ManagedLabels(extra map[string]string) map[string]string {
	l := make(map[string]string, len(extra)+1)
	for k, v := range extra {
		l[k] = v
	}
	l[LabelManagedBy] = ManagedBy
	return l
}

// PushCredentialsSecretName is the Secret in the operator's namespace holding
// the push credentials of template namespace/name: a hash, as names from
// every namespace share the operator's.
func PushCredentialsSecretName(namespace, template string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + template))
	return "push-credentials-" + hex.EncodeToString(sum[:12])
}

// MinScannerKeyLength is the shortest scanner key accepted: 16 bytes, so
// that a key cannot be guessed at the rate limit.
const MinScannerKeyLength = 16

// ScannerKeyPrefix starts the data keys of a push credentials Secret that
// hold a scanner key's digest; the rest is the gate (the key's Secret
// name).
const ScannerKeyPrefix = "scanner."

// ScannerKeyDigest is what a push credentials Secret keeps of a scanner
// key: its SHA-256, hex. The web service compares the digest of what a
// scanner sends; the key itself never leaves its namespace.
func ScannerKeyDigest(key []byte) []byte {
	sum := sha256.Sum256(key)
	return []byte(hex.EncodeToString(sum[:]))
}

// WebhookKey is the data key of a push credentials Secret holding a
// webhook's API key. It names the URL and the source Secret key, so a key is
// never sent to a receiver it was not configured for, even while the copy
// lags a template edit.
func WebhookKey(h Webhook) string {
	if h.APIKeySecretRef == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(h.URL + "\x00" + h.APIKeySecretRef.Name + "\x00" + h.APIKeySecretRef.Key))
	return "webhook-" + hex.EncodeToString(sum[:12])
}
