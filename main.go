// Command wallet-operator manages Apple Wallet passes as Kubernetes
// resources. One binary, several subcommands; see `wallet-operator help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/cmd/demo"
	"github.com/wallet-operator/wallet-operator/internal/cmd/fetch"
	"github.com/wallet-operator/wallet-operator/internal/cmd/manager"
	"github.com/wallet-operator/wallet-operator/internal/cmd/render"
	"github.com/wallet-operator/wallet-operator/internal/cmd/verify"
	"github.com/wallet-operator/wallet-operator/internal/cmd/webservice"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := cli.App{
		Name: "wallet-operator",
		Commands: []cli.Command{
			demo.Command(),
			fetch.Command(),
			manager.Command(),
			render.Command(),
			verify.Command(),
			webservice.Command(),
		},
	}
	os.Exit(app.Run(ctx, os.Args[1:], os.Stderr))
}
