package webservice

import (
	"testing"

	"github.com/wallet-operator/wallet-operator/internal/testing/flagtest"
)

// Every web service flag changes the options the web service starts with,
// and every option, down to the server's configuration, is read by the
// code that serves (issue 26, item 8: a documented flag bound nothing).
func TestEveryFlagDoesSomething(t *testing.T) {
	flagtest.EveryFlagReaches(t, Command, &start, []string{"--webservice-url=https://passes.example.com/passes"})
	const module = "github.com/wallet-operator/wallet-operator/"
	flagtest.EveryFieldRead(t, module+"internal/cmd/webservice", "Options", []string{module + "internal/cmd/webservice"}, "flags")
	flagtest.EveryFieldRead(t, module+"internal/app", "WebService", []string{module + "internal/cmd/webservice", module + "webservice/..."}, "flags", "Default", "Validate")
}
