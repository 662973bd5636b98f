// Package testing_test checks the layering the packages under
// internal/testing exist for: test harnesses (stand-ins for APNs and
// Google, the test control plane, the bundle store conformance suite) never
// ship in the binary.
package testing_test

import (
	"os/exec"
	"strings"
	"testing"
)

func TestBinaryHoldsNoTestHarness(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/wallet-operator/wallet-operator").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps gave %d packages: not the binary's dependencies", len(deps))
	}
	for _, dep := range deps {
		if strings.Contains(dep, "wallet-operator/internal/testing/") || strings.HasSuffix(dep, "test") && strings.Contains(dep, "wallet-operator/") {
			t.Errorf("the binary depends on the test harness %s", dep)
		}
	}
}
