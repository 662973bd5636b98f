package webservice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/testing/apnstest"
	"github.com/wallet-operator/wallet-operator/webservice/registry/kubernetes"
)

// stored is what the registration store holds about one device's
// registration for a pass, read as an operator would: the DeviceRegistration
// with kubectl, or the row with psql.
type stored struct {
	PushToken string
	// Known is the content the device was last told of (pushed for, or
	// registered with).
	Known  string
	Pushed bool
}

// storedRegistration reads a device's registration; device is a name
// apnstest turns into a device identifier. ok is false when there is none.
func storedRegistration(t *testing.T, ns, device, pt, serial string) (stored, bool) {
	t.Helper()
	id := apnstest.DeviceID(device)
	if db == nil {
		var reg walletv1.DeviceRegistration
		err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: kubernetes.RegistrationName(id, pt, serial)}, &reg)
		if apierrors.IsNotFound(err) {
			return stored{}, false
		} else if err != nil {
			t.Fatal(err)
		}
		known := reg.Status.PushedDigest
		if known == "" {
			known = reg.Spec.RegisteredDigest
		}
		return stored{PushToken: reg.Spec.PushToken, Known: known, Pushed: reg.Status.LastPushed != nil}, true
	}
	conn := dbConn(t)
	defer conn.Close(context.Background())
	var s stored
	err := conn.QueryRow(context.Background(), `SELECT push_token, known_digest, pushed_at IS NOT NULL FROM registrations
WHERE device = $1 AND pass_type = $2 AND serial = $3 AND namespace = $4`, id, pt, serial, ns).Scan(&s.PushToken, &s.Known, &s.Pushed)
	if errors.Is(err, pgx.ErrNoRows) {
		return stored{}, false
	} else if err != nil {
		t.Fatal(err)
	}
	return s, true
}

// storedRegistrations counts the registrations kept for passes of a
// namespace.
func storedRegistrations(t *testing.T, ns string) int {
	t.Helper()
	if db == nil {
		var regs walletv1.DeviceRegistrationList
		if err := c.List(context.Background(), &regs, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		return len(regs.Items)
	}
	conn := dbConn(t)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM registrations WHERE namespace = $1`, ns).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func dbConn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// webhooksSent waits until no webhook event of a namespace's passes waits
// for delivery (delivered, refused or given up): in the Passes' status, or
// in PostgreSQL's outbox.
func webhooksSent(t *testing.T, ns string) {
	t.Helper()
	eventually(t, "webhook events sent", func() (bool, string) {
		if db != nil {
			conn := dbConn(t)
			defer conn.Close(context.Background())
			var n int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM webhook_outbox WHERE namespace = $1`, ns).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 0, fmt.Sprint(n, " waiting")
		}
		n := len(waitingEvents(t, ns, ""))
		return n == 0, fmt.Sprint(n, " waiting")
	})
}

// waitingEvents are the webhook events waiting in the DeviceRegistration
// backend's outbox in ns, of one pass unless pass is empty.
func waitingEvents(t *testing.T, ns, pass string) []walletv1.PendingWebhookEvent {
	t.Helper()
	var list walletv1.PendingWebhookEventList
	if err := c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(list.Items, func(e walletv1.PendingWebhookEvent) bool { return pass != "" && e.Spec.PassName != pass })
}
