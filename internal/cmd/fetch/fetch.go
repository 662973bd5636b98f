// Package fetch is the `fetch` subcommand: it assembles the stored bundle
// of a Pass from the cluster into a .pkpass file.
package fetch

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wallet-operator/wallet-operator/internal/cli"
)

// Command returns the `fetch` subcommand.
func Command() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "fetch NAME -o FILE.pkpass",
		Short: "write the signed bundle of a Pass stored in the cluster to a .pkpass",
		Example: `  wallet-operator fetch -n default james-smith-pd123 -o james.pkpass
  kubectl wallet fetch member-tom -o tom.pkpass --context kind-passes
  kubectl wallet fetch member-tom -o tom.pkpass --bundle-store=s3 --s3-bucket=passes`,
		Args: cobra.ExactArgs(1),
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "Where to write the .pkpass (required).")
	var store cli.BundleStoreFlags
	goFlags := flag.NewFlagSet("fetch", flag.ContinueOnError)
	store.AddFlags(goFlags)
	cmd.Flags().AddGoFlagSet(goFlags)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if out == "" {
			return cli.Usagef("-o FILE.pkpass is required")
		}
		if dir := filepath.Dir(out); dir != "" {
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("cannot write %s: the directory %s does not exist", out, dir)
			}
		}
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		stores, err := store.Stores(c.Context(), k)
		if err != nil {
			return err
		}
		data, err := stores.Fetch(c.Context(), k, ns, args[0])
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(c.ErrOrStderr(), "wrote %s (%d bytes)\n", out, len(data))
		return nil
	}
	return cmd
}
