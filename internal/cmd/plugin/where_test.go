package plugin

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// Each of Yourpass's where-operators, on a pass as JSON has it.
func TestConditions(t *testing.T) {
	doc := map[string]any{
		"spec": map[string]any{"serialNumber": "hh-2026-a-12-7", "voided": true,
			"data": map[string]any{"tier": "gold", "row": "12", "points": 1500.0, "name": "Jana Nováková"}},
		"status": map[string]any{"registeredDevices": 2.0, "bundle": map[string]any{"lastModified": "2026-11-14T09:30:00Z"}},
	}
	for cond, want := range map[string]bool{
		"data.tier = gold":                                true, // $eq
		"data.tier == silver":                             false,
		"data.tier != silver":                             true, // $ne
		"data.missing != x":                               true, // a field the pass lacks is unequal to anything
		"data.missing = x":                                false,
		"status.registeredDevices>0":                      true,  // $gt, as numbers
		"data.row > 9":                                    true,  // "12" > 9 as numbers, not as text
		"data.points >= 1500":                             true,  // $gte
		"data.points < 1500":                              false, // $lt
		"data.points <= 1500":                             true,  // $lte
		"status.bundle.lastModified>=2026-11-01":          true,  // times, a date against RFC 3339
		"status.bundle.lastModified<2026-11-14T09:00:00Z": false,
		"data.tier in (gold,silver)":                      true, // $in
		"data.tier in ('silver', 'bronze')":               false,
		"data.tier notin (silver,bronze)":                 true, // $notIn
		"data.missing notin (a)":                          true,
		"spec.serialNumber like 'hh-%'":                   true, // $like
		"spec.serialNumber like hh-2026-a-1_-7":           true,
		"spec.serialNumber like 'a-12%'":                  false, // anchored
		"data.name LIKE '%Nová%'":                         true,
		"spec.serialNumber notlike 'hh-%'":                false, // $notLike
		"spec.voided = true":                              true,
		"data.tier like 'g.ld'":                           false, // a dot is a dot
		"data.tier > f":                                   true,  // text
		"data":                                            false, // a map is no value (parse refuses it below)
	} {
		c, err := parseCondition(cond)
		if cond == "data" {
			if err == nil {
				t.Errorf("%q parsed", cond)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", cond, err)
			continue
		}
		if got := c.matches(doc); got != want {
			t.Errorf("%q on the pass: %v, want %v", cond, got, want)
		}
	}
	for _, bad := range []string{"tier = gold", "data.tier in gold", "data.tier ~ x", "data.tier ="} {
		if _, err := parseCondition(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// Equality on a selectable field goes to the API server; the list of them
// is the CRD's.
func TestConditionsPushedToTheServer(t *testing.T) {
	for cond, want := range map[string]string{
		"spec.templateRef.name=harbour-concert": "spec.templateRef.name=harbour-concert",
		"spec.voided != true":                   "spec.voided!=true",
		"status.barcode.message = a,b":          `status.barcode.message=a\,b`,
		"data.tier = gold":                      "",
		"status.expired in (true)":              "",
	} {
		c, err := parseCondition(cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.fieldSelector(); got != want {
			t.Errorf("%q: field selector %q, want %q", cond, got, want)
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "config", "crd", "bases", "passes.wallet-operator.io_passes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				SelectableFields []struct{ JSONPath string } `json:"selectableFields"`
			}
		}
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, f := range crd.Spec.Versions[0].SelectableFields {
		declared = append(declared, strings.TrimPrefix(f.JSONPath, "."))
	}
	if !slices.Equal(declared, walletv1.PassSelectableFields) {
		t.Errorf("the CRD's selectable fields %v, walletv1.PassSelectableFields %v", declared, walletv1.PassSelectableFields)
	}
}
