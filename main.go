// Command wallet-operator manages Apple Wallet passes as Kubernetes
// resources. One binary: the manager, the web service, the demo, and the
// commands that work on passes; installed as kubectl-wallet it is the
// `kubectl wallet` plugin. See `wallet-operator --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/cmd/root"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, root.Command(os.Args[0]), os.Args[1:], os.Stdout, os.Stderr))
}
