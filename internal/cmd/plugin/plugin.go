// Package plugin holds the commands that work on passes in a cluster, as
// `kubectl wallet` (the binary installed as kubectl-wallet) or as
// `wallet-operator`: status, find, redeem, void, push and open. They read
// kubectl's own flags (--kubeconfig, --context, -n, --as).
package plugin

import (
	"github.com/spf13/cobra"
)

// Commands returns the plugin's commands.
func Commands() []*cobra.Command {
	return []*cobra.Command{statusCommand(), findCommand(), redeemCommand(), voidCommand(), pushCommand(), openCommand()}
}
