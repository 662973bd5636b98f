// Package checkin is check-in at the gate: a scanner (an app at an
// entrance) posts what it read with its scanner key, and the pass whose
// barcode that is gets redeemed exactly once across every gate and every
// web-service replica. The answer tells gate staff what to do.
package checkin

import (
	"crypto/subtle"
	"maps"
	"slices"
	"strings"
	"time"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
)

// Result is what a scan found.
type Result string

// The results a scanner shows.
const (
	// Admitted: let the holder in; the pass is redeemed now (or would be,
	// in a dry run).
	Admitted Result = "admitted"
	// AlreadyRedeemed: the pass was used before (Answer says when and at
	// which gate).
	AlreadyRedeemed Result = "alreadyRedeemed"
	// Voided: the pass was voided (or is being deleted).
	Voided Result = "voided"
	// Expired: the pass's expiration date has passed.
	Expired Result = "expired"
	// NotYetValid: the gate opens later for this pass (Answer.OpensAt).
	NotYetValid Result = "notYetValid"
	// Unknown: no pass of the namespace has that barcode.
	Unknown Result = "unknown"
	// WrongTemplate: the pass belongs to another template of the namespace
	// (another event; Answer.Template names it).
	WrongTemplate Result = "wrongTemplate"
)

// Results are every Result, for metrics and documentation.
var Results = []Result{Admitted, AlreadyRedeemed, Voided, Expired, NotYetValid, Unknown, WrongTemplate}

// Field is one field of the pass as its pass.json shows it.
type Field struct {
	Key   string `json:"key"`
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
}

// Answer is the JSON a scanner receives.
type Answer struct {
	Result Result `json:"result"`
	// DryRun: nothing was redeemed (?dryRun=true).
	DryRun       bool   `json:"dryRun,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
	// Fields the template's checkIn.displayFields name (admitted only).
	Fields []Field `json:"fields,omitempty"`
	// RedeemedAt and Gate (alreadyRedeemed): when, and by which gate
	// ("kubectl" for the CLI; empty when redeemed through the Pass's spec).
	RedeemedAt *time.Time `json:"redeemedAt,omitempty"`
	Gate       string     `json:"gate,omitempty"`
	// OpensAt (notYetValid): from when the pass is admitted.
	OpensAt *time.Time `json:"opensAt,omitempty"`
	// Template (wrongTemplate): the template the pass belongs to.
	Template string `json:"template,omitempty"`
}

// Gate returns the gate whose scanner key key is, from a template's push
// credentials (data keys walletv1.ScannerKeyPrefix + gate, each holding a
// key's digest). Every digest is compared, in constant time.
func Gate(credentials map[string][]byte, key string) (string, bool) {
	if len(key) < walletv1.MinScannerKeyLength {
		return "", false
	}
	digest := walletv1.ScannerKeyDigest([]byte(key))
	found := ""
	for _, k := range slices.Sorted(maps.Keys(credentials)) {
		gate, ok := strings.CutPrefix(k, walletv1.ScannerKeyPrefix)
		if ok && subtle.ConstantTimeCompare(credentials[k], digest) == 1 {
			found = gate
		}
	}
	return found, found != ""
}

// Judge says what a scan of p at a gate of tpl finds at now: Admitted when
// the holder may enter.
func Judge(p *walletv1.Pass, tpl *walletv1.PassTemplate, now time.Time) Answer {
	a := Answer{SerialNumber: p.Spec.SerialNumber}
	switch {
	case p.Spec.TemplateRef.Name != tpl.Name:
		return Answer{Result: WrongTemplate, Template: p.Spec.TemplateRef.Name}
	case p.Spec.Voided || !p.DeletionTimestamp.IsZero():
		a.Result = Voided
	case p.Spec.Redeemed:
		a.Result = AlreadyRedeemed
		a.RedeemedAt, a.Gate = redeemed(p)
	case p.Status.Expired || (p.Spec.ExpirationDate != nil && !now.Before(p.Spec.ExpirationDate.Time)):
		a.Result = Expired
	default:
		if opens := OpensAt(p, tpl); opens != nil && now.Before(*opens) {
			a.Result, a.OpensAt = NotYetValid, opens
		} else {
			a.Result = Admitted
		}
	}
	return a
}

// redeemed is when and where p was redeemed: the check-in annotations the
// redeeming write set, or the controller's status.redeemedAt.
func redeemed(p *walletv1.Pass) (*time.Time, string) {
	gate := p.Annotations[walletv1.AnnotationCheckedInBy]
	if t, err := time.Parse(time.RFC3339, p.Annotations[walletv1.AnnotationCheckedInAt]); err == nil {
		return &t, gate
	}
	if p.Status.RedeemedAt != nil {
		t := p.Status.RedeemedAt.UTC()
		return &t, gate
	}
	return nil, gate
}

// OpensAt is when the gate opens for p: checkIn.opensBefore ahead of the
// pass's first relevant date (its own relevance, else the template's); nil
// when it is open any time.
func OpensAt(p *walletv1.Pass, tpl *walletv1.PassTemplate) *time.Time {
	if tpl.Spec.CheckIn == nil || tpl.Spec.CheckIn.OpensBefore == nil {
		return nil
	}
	rel := p.Spec.Relevance
	if rel == nil {
		rel = tpl.Spec.Relevance
	}
	if rel == nil {
		return nil
	}
	var first *time.Time
	consider := func(t *time.Time) {
		if t != nil && (first == nil || t.Before(*first)) {
			first = t
		}
	}
	if rel.RelevantDate != nil {
		consider(&rel.RelevantDate.Time)
	}
	for _, d := range rel.Dates {
		if d.Date != nil {
			consider(&d.Date.Time)
		}
		if d.StartDate != nil {
			consider(&d.StartDate.Time)
		}
	}
	if first == nil {
		return nil
	}
	opens := first.Add(-tpl.Spec.CheckIn.OpensBefore.Duration).UTC()
	return &opens
}

// DisplayFields picks the fields keys name from a signed pass.json, in the
// order of keys, each as Wallet shows it; a key the pass does not show is
// left out.
func DisplayFields(pj *passjson.Pass, keys []string) []Field {
	_, st := pj.Style()
	byKey := map[string]Field{}
	for _, group := range [][]passjson.Field{st.HeaderFields, st.PrimaryFields, st.SecondaryFields, st.AuxiliaryFields, st.BackFields} {
		for _, f := range group {
			byKey[f.Key] = Field{Key: f.Key, Label: f.Label, Value: passjson.FieldText(f)}
		}
	}
	var out []Field
	for _, k := range keys {
		if f, ok := byKey[k]; ok {
			out = append(out, f)
		}
	}
	return out
}
