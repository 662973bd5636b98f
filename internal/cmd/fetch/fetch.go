// Package fetch is the `wallet-operator fetch` subcommand: it assembles the
// stored bundle of a Pass from the cluster into a .pkpass file.
package fetch

import (
	"context"
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// Command returns the `fetch` subcommand.
func Command() cli.Command {
	return cli.Command{Name: "fetch", Summary: "write the signed bundle of a Pass stored in the cluster to a .pkpass", Run: run}
}

func run(ctx context.Context, args []string) error {
	fs := cli.NewFlagSet("wallet-operator", "fetch", os.Stderr)
	kubeconfig := fs.String("kubeconfig", "", "Path to a kubeconfig. Default: $KUBECONFIG or ~/.kube/config.")
	namespace := fs.String("n", "default", "Namespace of the Pass.")
	out := fs.String("o", "", "Where to write the .pkpass.")
	positional, err := cli.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 || *out == "" {
		return fmt.Errorf("%w: want NAME and -o OUT.pkpass", cli.ErrUsage)
	}
	name := positional[0]
	var c client.Client
	if *kubeconfig != "" {
		cfg, cerr := clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if cerr != nil {
			return fmt.Errorf("load kubeconfig %s: %w", *kubeconfig, cerr)
		}
		c, err = client.New(cfg, client.Options{Scheme: scheme.New()})
	} else {
		cfg, cerr := ctrl.GetConfig()
		if cerr != nil {
			return fmt.Errorf("find a cluster: %w (pass --kubeconfig)", cerr)
		}
		c, err = client.New(cfg, client.Options{Scheme: scheme.New()})
	}
	if err != nil {
		return err
	}
	data, err := bundle.Fetch(ctx, c, *namespace, name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", *out, len(data))
	return nil
}
