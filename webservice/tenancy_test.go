package webservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// One namespace cannot take over another's pass: tenant B signs a pass
// with the victim's serial number, then points its template at a
// certificate for the victim's pass type. B's certificate is refused (the
// pass type belongs to the victim's namespace), B's pass keeps its last
// good bundle (signed for B's own pass type), and the victim's download
// link and device registrations keep reaching the victim's pass, every
// time.
func TestAnotherNamespaceCannotHijackAPass(t *testing.T) {
	victimNS, victimPT := samples(t)
	attackerNS, _ := samples(t) // the same serial numbers, B's own pass type
	ctx := context.Background()
	const name, serial = "james-smith-pd123", "serial-1350551026"

	evil := &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: attackerNS, Name: "victims-pass-type"},
		Spec: walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: "victims-pass-type-tls"},
			SelfSigned: &walletv1.SelfSignedCertificate{PassTypeIdentifier: victimPT, TeamIdentifier: "A1B2C3D4E5"}},
	}
	if err := c.Create(ctx, evil); err != nil {
		t.Fatal(err)
	}
	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: attackerNS, Name: getPass(t, attackerNS, name).Spec.TemplateRef.Name}}
	update(t, tpl, func(tpl *walletv1.PassTemplate) { tpl.Spec.CertificateRef.Name = evil.Name })
	eventually(t, "B's certificate for the victim's pass type is refused", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKeyFromObject(evil), evil)
		r := status.Ready(evil.Status.Conditions)
		return r != nil && r.Status == metav1.ConditionFalse && r.Reason == walletv1.ReasonPassTypeClaimed, fmt.Sprintf("%+v", r)
	})
	eventually(t, "B's pass is not Ready and keeps its own bundle", func() (bool, string) {
		p := getPass(t, attackerNS, name)
		r := status.Ready(p.Status.Conditions)
		return r != nil && r.Status == metav1.ConditionFalse && p.Status.Bundle != nil && p.Status.Bundle.PassTypeIdentifier != victimPT, fmt.Sprintf("%+v", r)
	})
	if r := status.Ready(evil.Status.Conditions); strings.Contains(r.Message, victimNS+"/") {
		t.Errorf("the refusal names the victim's namespace to the attacker: %s", r.Message)
	}

	link := strings.TrimPrefix(getPass(t, victimNS, name).Status.DownloadURL, baseURL) + "?format=pkpass"
	for i := range 100 {
		r := call(t, "GET", link, "", nil)
		if r.code != 200 {
			t.Fatalf("download %d: %d %s", i, r.code, r.body)
		}
		files, err := pkpass.Unzip(r.body)
		if err != nil {
			t.Fatal(err)
		}
		var pj struct {
			PassTypeIdentifier string `json:"passTypeIdentifier"`
			TeamIdentifier     string `json:"teamIdentifier"`
		}
		if err := json.Unmarshal(files[pkpass.PassJSON], &pj); err != nil {
			t.Fatal(err)
		}
		if pj.PassTypeIdentifier != victimPT || pj.TeamIdentifier == "A1B2C3D4E5" {
			t.Fatalf("download %d of the victim's link served another pass: %+v", i, pj)
		}
	}

	token := key.Authentication(victimPT, serial)
	for i := range 100 {
		r := call(t, "POST", fmt.Sprintf("/v1/devices/tenancydevice%04d/registrations/%s/%s", i, victimPT, serial), token, []byte(`{"pushToken":"tenancytoken`+fmt.Sprint(i)+`"}`))
		if r.code != 201 {
			t.Fatalf("registration %d: %d %s", i, r.code, r.body)
		}
	}
	for ns, want := range map[string]int{victimNS: 100, attackerNS: 0} {
		var regs walletv1.DeviceRegistrationList
		if err := c.List(ctx, &regs, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		if len(regs.Items) != want {
			t.Errorf("namespace %s holds %d registrations made with the victim's token, want %d", ns, len(regs.Items), want)
		}
	}
}
