package manager

import (
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/flagtest"
)

// Every manager flag changes the options the manager starts with, and Run
// reads every option (issue 26, item 8: --google-wallet-api-url and
// --google-wallet-qps were parsed and never passed on).
func TestEveryFlagDoesSomething(t *testing.T) {
	flagtest.EveryFlagReaches(t, Command, &start, nil)
	const module = "github.com/wallet-operator/wallet-operator/"
	flagtest.EveryFieldRead(t, module+"internal/cmd/manager", "Options", []string{module + "internal/cmd/manager"}, "flags")
	// and what Run hands the controllers, they read.
	for _, o := range []string{"controllers", "controllers/googlewallet", "controllers/pass"} {
		flagtest.EveryFieldRead(t, module+o, "Options", []string{module + "controllers/..."}, "Default")
	}
}
