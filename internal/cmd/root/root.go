// Package root assembles the binary's commands under one root, as
// wallet-operator or, called as kubectl-wallet, as the kubectl plugin.
package root

import (
	"github.com/spf13/cobra"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/cmd/certificate"
	"github.com/wallet-operator/wallet-operator/internal/cmd/demo"
	"github.com/wallet-operator/wallet-operator/internal/cmd/fetch"
	"github.com/wallet-operator/wallet-operator/internal/cmd/manager"
	"github.com/wallet-operator/wallet-operator/internal/cmd/plugin"
	"github.com/wallet-operator/wallet-operator/internal/cmd/render"
	"github.com/wallet-operator/wallet-operator/internal/cmd/verify"
	"github.com/wallet-operator/wallet-operator/internal/cmd/version"
	"github.com/wallet-operator/wallet-operator/internal/cmd/webservice"
)

// serverOnly are the commands the kubectl plugin does not show.
var serverOnly = map[string]bool{"manager": true, "webservice": true, "demo": true}

// Command returns the root command for a binary called as arg0.
func Command(arg0 string) *cobra.Command {
	use, asPlugin := cli.Invocation(arg0)
	commands := append([]*cobra.Command{
		manager.Command(), webservice.Command(), demo.Command(),
		fetch.Command(), verify.Command(), render.Command(), version.Command(), certificate.Command(),
	}, plugin.Commands()...)
	return cli.NewRoot(use, asPlugin, commands, serverOnly)
}
