package docs

import (
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/cmd/manager"
	"github.com/wallet-operator/wallet-operator/internal/cmd/webservice"
	"github.com/wallet-operator/wallet-operator/internal/testing/flagtest"
)

const module = "github.com/wallet-operator/wallet-operator/"

// Every manager flag changes the options the manager starts with, and the
// code reads every option, down to what Run hands the controllers (issue
// 26, item 8: --google-wallet-api-url and --google-wallet-qps were parsed
// and never passed on).
func TestEveryManagerFlagDoesSomething(t *testing.T) {
	flagtest.EveryFlagReaches(t, manager.Command, &manager.Start, nil)
	flagtest.EveryFieldRead(t, module+"internal/cmd/manager", "Options", []string{module + "internal/cmd/manager"}, "flags")
	for _, o := range []string{"controllers", "controllers/googlewallet", "controllers/pass"} {
		flagtest.EveryFieldRead(t, module+o, "Options", []string{module + "controllers/..."}, "Default")
	}
}

// Every web service flag changes the options the web service starts with,
// and every option, down to the server's configuration, is read by the
// code that serves (issue 26, item 8: a documented flag bound nothing).
func TestEveryWebServiceFlagDoesSomething(t *testing.T) {
	flagtest.EveryFlagReaches(t, webservice.Command, &webservice.Start, []string{"--webservice-url=https://passes.example.com/passes"})
	flagtest.EveryFieldRead(t, module+"internal/cmd/webservice", "Options", []string{module + "internal/cmd/webservice"}, "flags")
	flagtest.EveryFieldRead(t, module+"internal/app", "WebService", []string{module + "internal/cmd/webservice", module + "webservice/..."}, "flags", "Default", "Validate")
}
