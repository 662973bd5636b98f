package v1alpha1_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// What `kubectl get` shows comes from the server's Table output, built from
// the CRDs' printer columns. These tests read it the way kubectl does.

func TestWalletCategoryAndShortNames(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	list, err := dc.ServerResourcesForGroupVersion(walletv1.GroupVersion.String())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"passcertificates": {"pcert", "passcert"},
		"passtemplates":    {"ptpl", "passtpl"},
		"passes":           {"wpass"},
	}
	for _, r := range list.APIResources {
		shortNames, ok := want[r.Name]
		if !ok {
			continue // subresources
		}
		delete(want, r.Name)
		if !slices.Contains(r.Categories, "wallet") {
			t.Errorf("%s is not in the wallet category (kubectl get wallet would miss it): %v", r.Name, r.Categories)
		}
		if !slices.Equal(r.ShortNames, shortNames) {
			t.Errorf("%s short names = %v, want %v", r.Name, r.ShortNames, shortNames)
		}
	}
	for name := range want {
		t.Errorf("resource %s not served", name)
	}
}

func TestPrinterColumns(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	notAfter := metav1.NewTime(time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second))

	cert := validCertificate("printer-cert")
	tpl := validTemplate("printer-tpl", walletv1.StyleEventTicket)
	tpl.Spec.CertificateRef.Name = cert.Name
	pass := validPass("printer-pass", tpl.Name, "serial-printer")
	for _, obj := range []client.Object{cert, tpl, pass} {
		obj.SetNamespace(ns)
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	ready := func(reason string) []metav1.Condition {
		return []metav1.Condition{{
			Type: walletv1.ConditionReady, Status: metav1.ConditionTrue, Reason: reason,
			Message: "ready to sign", LastTransitionTime: metav1.Now(),
		}}
	}
	cert.Status = walletv1.PassCertificateStatus{Conditions: ready("Valid"), PassTypeIdentifier: "pass.com.example.test", NotAfter: &notAfter}
	tpl.Status = walletv1.PassTemplateStatus{Conditions: ready("Valid"), Passes: 1, ReadyPasses: 1, RegisteredDevices: 3, RedeemedPasses: 1}
	pass.Status = walletv1.PassStatus{Conditions: ready(walletv1.ReasonSigned), RegisteredDevices: 3}
	for _, obj := range []client.Object{cert, tpl, pass} {
		if err := env.Client.Status().Update(ctx, obj); err != nil {
			t.Fatalf("status update of %s: %v", obj.GetName(), err)
		}
	}

	cases := []struct {
		resource string
		columns  []string
		cells    map[string]any
	}{
		{"passcertificates",
			[]string{"Name", "Ready", "Reason", "Pass Type", "Expires", "Message", "Age"},
			map[string]any{"Name": "printer-cert", "Ready": "True", "Reason": "Valid", "Pass Type": "pass.com.example.test", "Message": "ready to sign"}},
		{"passtemplates",
			[]string{"Name", "Ready", "Reason", "Style", "Certificate", "Passes", "Devices", "Voided", "Redeemed", "Message", "Age"},
			map[string]any{"Name": "printer-tpl", "Ready": "True", "Style": "eventTicket", "Certificate": "printer-cert", "Passes": float64(1), "Devices": float64(3), "Redeemed": float64(1)}},
		{"passes",
			[]string{"Name", "Ready", "Reason", "Template", "Serial", "Devices", "Message", "Age"},
			map[string]any{"Name": "printer-pass", "Ready": "True", "Reason": "Signed", "Template": "printer-tpl", "Serial": "serial-printer", "Devices": float64(3)}},
	}
	for _, tc := range cases {
		t.Run(tc.resource, func(t *testing.T) {
			table := getTable(t, fmt.Sprintf("/apis/%s/namespaces/%s/%s", walletv1.GroupVersion, ns, tc.resource))
			var names []string
			for _, c := range table.ColumnDefinitions {
				names = append(names, c.Name)
			}
			if !slices.Equal(names, tc.columns) {
				t.Fatalf("columns = %v, want %v", names, tc.columns)
			}
			if len(table.Rows) != 1 {
				t.Fatalf("want one row, got %d", len(table.Rows))
			}
			row := table.Rows[0].Cells
			for col, want := range tc.cells {
				if got := row[slices.Index(names, col)]; got != want {
					t.Errorf("column %s = %v (%T), want %v", col, got, got, want)
				}
			}
			// A future date in a date column would print as <invalid>: the
			// expiry is shown as a timestamp.
			if tc.resource == "passcertificates" {
				if got := row[slices.Index(names, "Expires")]; got != notAfter.UTC().Format(time.RFC3339) {
					t.Errorf("Expires = %v, want %v", got, notAfter.UTC().Format(time.RFC3339))
				}
			}
		})
	}
}

// getTable fetches a list as kubectl get does: as a meta.k8s.io Table.
func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	body, err := dc.RESTClient().Get().AbsPath(path).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET %s as a Table: %v", path, err)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(body, table); err != nil {
		t.Fatal(err)
	}
	return table
}

// Passes can be found by serial number, template and barcode message with
// kubectl get passes --field-selector.
func TestSelectableFields(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t)
	for i, tpl := range []string{"gold", "gold", "silver"} {
		p := validPass(fmt.Sprintf("member-%d", i), tpl, fmt.Sprintf("m-%d", i))
		p.Namespace = ns
		p.Spec.Barcode = &walletv1.PassBarcode{Message: fmt.Sprintf("BAR-%d", i)}
		if err := env.Client.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		field, value string
		want         []string
	}{
		{"spec.serialNumber", "m-1", []string{"member-1"}},
		{"spec.templateRef.name", "gold", []string{"member-0", "member-1"}},
		{"spec.barcode.message", "BAR-2", []string{"member-2"}},
		{"spec.serialNumber", "unknown", nil},
	}
	for _, tc := range cases {
		var list walletv1.PassList
		if err := env.Client.List(ctx, &list, client.InNamespace(ns), client.MatchingFields{tc.field: tc.value}); err != nil {
			t.Fatalf("--field-selector %s=%s: %v", tc.field, tc.value, err)
		}
		var got []string
		for _, p := range list.Items {
			got = append(got, p.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("--field-selector %s=%s found %v, want %v", tc.field, tc.value, got, tc.want)
		}
	}
}
