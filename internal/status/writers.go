package status

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Writer is one writer of status fields, and the field manager its writes
// are recorded under: the API server's metadata.managedFields then says
// which writer last set each field, and TestStatusFieldsHaveOneWriter
// checks that against the ownership table (docs/architecture.md, "Who
// writes which status field"), so two writers of one field are found by a
// test, not avoided by convention. Every status write goes through a
// Writer.
type Writer string

// The writers, one per row group of the ownership table.
const (
	CertificateController Writer = walletv1.FieldOwner + "-passcertificate"
	TemplateController    Writer = walletv1.FieldOwner + "-passtemplate"
	PassCount             Writer = walletv1.FieldOwner + "-passcount"
	PassController        Writer = walletv1.FieldOwner + "-pass"
	GoogleWallet          Writer = walletv1.FieldOwner + "-googlewallet"
	// The web service's writers.
	RegistrationCounter Writer = walletv1.FieldOwner + "-webservice-counter"
	Outbox              Writer = walletv1.FieldOwner + "-webservice-outbox"
	Pusher              Writer = walletv1.FieldOwner + "-webservice-pusher"
	FanOut              Writer = walletv1.FieldOwner + "-webservice-fanout"
	DownloadStats       Writer = walletv1.FieldOwner + "-webservice-stats"
	GoogleCallbacks     Writer = walletv1.FieldOwner + "-webservice-googlecallbacks"
	DamageReports       Writer = walletv1.FieldOwner + "-webservice-damage"
)

// Patch writes obj's status through the status subresource as this
// writer.
func (w Writer) Patch(ctx context.Context, c client.Client, obj client.Object, patch client.Patch) error {
	return c.Status().Patch(ctx, obj, patch, client.FieldOwner(string(w)))
}
