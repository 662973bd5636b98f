package checkin

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
)

func TestJudge(t *testing.T) {
	now := time.Date(2027, 12, 19, 17, 0, 0, 0, time.UTC)
	at := func(s string) *metav1.Time { v, _ := time.Parse(time.RFC3339, s); return &metav1.Time{Time: v} }
	tpl := &walletv1.PassTemplate{ObjectMeta: metav1.ObjectMeta{Name: "concert"}, Spec: walletv1.PassTemplateSpec{
		CheckIn:   &walletv1.CheckIn{OpensBefore: &metav1.Duration{Duration: time.Hour}},
		Relevance: &walletv1.Relevance{RelevantDate: at("2027-12-19T18:30:00Z")},
	}}
	pass := func(change func(*walletv1.Pass)) *walletv1.Pass {
		p := &walletv1.Pass{Spec: walletv1.PassSpec{TemplateRef: walletv1.LocalObjectReference{Name: "concert"}, SerialNumber: "a-12-7"}}
		change(p)
		return p
	}
	for _, c := range []struct {
		what string
		p    *walletv1.Pass
		now  time.Time
		want Result
	}{
		{"before the gate opens (18:30 less an hour)", pass(func(*walletv1.Pass) {}), now, NotYetValid},
		{"once it opens", pass(func(*walletv1.Pass) {}), now.Add(30 * time.Minute), Admitted},
		{"the pass's own relevance first", pass(func(p *walletv1.Pass) {
			p.Spec.Relevance = &walletv1.Relevance{Dates: []walletv1.RelevantDate{{StartDate: at("2027-12-20T10:00:00Z"), EndDate: at("2027-12-20T12:00:00Z")}, {Date: at("2027-12-19T17:30:00Z")}}}
		}), now.Add(31 * time.Minute), Admitted},
		{"the earliest of its dates", pass(func(p *walletv1.Pass) {
			p.Spec.Relevance = &walletv1.Relevance{Dates: []walletv1.RelevantDate{{StartDate: at("2027-12-20T10:00:00Z"), EndDate: at("2027-12-20T12:00:00Z")}}}
		}), now.Add(31 * time.Minute), NotYetValid},
		{"another template's pass", pass(func(p *walletv1.Pass) { p.Spec.TemplateRef.Name = "coupon" }), now, WrongTemplate},
		{"voided, though redeemed", pass(func(p *walletv1.Pass) { p.Spec.Voided, p.Spec.Redeemed = true, true }), now, Voided},
		{"redeemed, though expired", pass(func(p *walletv1.Pass) { p.Spec.Redeemed, p.Status.Expired = true, true }), now, AlreadyRedeemed},
		{"expired by its own date before the status says so", pass(func(p *walletv1.Pass) { p.Spec.ExpirationDate = at("2027-12-19T18:00:00Z") }), now.Add(time.Hour), Expired},
		{"expired by status (the template's default)", pass(func(p *walletv1.Pass) { p.Status.Expired = true }), now.Add(time.Hour), Expired},
	} {
		if got := Judge(c.p, tpl, c.now); got.Result != c.want {
			t.Errorf("%s: %s, want %s", c.what, got.Result, c.want)
		}
	}
	a := Judge(pass(func(p *walletv1.Pass) {
		p.Spec.Redeemed = true
		p.Annotations = map[string]string{walletv1.AnnotationCheckedInAt: "2027-12-19T17:45:00Z", walletv1.AnnotationCheckedInBy: "gate-north"}
	}), tpl, now)
	if a.RedeemedAt == nil || !a.RedeemedAt.Equal(at("2027-12-19T17:45:00Z").Time) || a.Gate != "gate-north" {
		t.Errorf("alreadyRedeemed says %v at %q", a.RedeemedAt, a.Gate)
	}
	if a := Judge(pass(func(*walletv1.Pass) {}), tpl, now); a.OpensAt == nil || a.OpensAt.Format(time.RFC3339) != "2027-12-19T17:30:00Z" {
		t.Errorf("notYetValid opens at %v", a.OpensAt)
	}
}

// The digests compared are SHA-256 hex of the key, as written here
// independently of ScannerKeyDigest.
func TestGate(t *testing.T) {
	digest := func(key string) []byte { s := sha256.Sum256([]byte(key)); return []byte(hex.EncodeToString(s[:])) }
	creds := map[string][]byte{
		"tls.crt":                  []byte("not a key"),
		"scanner.gate-north":       digest("north-key-0123456789"),
		"scanner.gate-south":       digest("south-key-0123456789"),
		"webhook-0123456789abcdef": digest("webhook-key-0123456"),
	}
	for key, want := range map[string]string{"north-key-0123456789": "gate-north", "south-key-0123456789": "gate-south", "webhook-key-0123456": "", "short": "", "": ""} {
		if gate, ok := Gate(creds, key); gate != want || ok != (want != "") {
			t.Errorf("key %q: gate %q %v, want %q", key, gate, ok, want)
		}
	}
	// A short key is refused even when its digest is there.
	if _, ok := Gate(map[string][]byte{"scanner.g": digest("short")}, "short"); ok {
		t.Error("a key shorter than the minimum was accepted")
	}
}

func TestDisplayFields(t *testing.T) {
	pj, err := passjson.Parse([]byte(`{"eventTicket": {
		"headerFields": [{"key": "date", "label": "DATE", "value": "2027-12-19T19:30:00+01:00", "dateStyle": "PKDateStyleMedium", "timeStyle": "PKDateStyleShort"}],
		"secondaryFields": [{"key": "row", "label": "ROW", "value": 12}, {"key": "seat", "label": "SEAT", "value": "7"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := DisplayFields(pj, []string{"seat", "missing", "row", "date"})
	want := []Field{{"seat", "SEAT", "7"}, {"row", "ROW", "12"}, {"date", "DATE", "19 Dec 2027, 18:30 UTC"}}
	if len(got) != len(want) {
		t.Fatalf("DisplayFields = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
}
