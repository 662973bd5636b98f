package plugin

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

func findCommand() *cobra.Command {
	var code string
	var all bool
	cmd := &cobra.Command{
		Use:   "find --code MESSAGE",
		Short: "find the pass whose barcode a scanner read",
		Long:  "Find passes by the message of their barcode (status.barcode.message, however it was made). Exit 1 when none has it.",
		Example: `  kubectl wallet find --code PD123-serial-1350551026
  kubectl wallet find --code 4006381333931 -A`,
		Args: cobra.NoArgs,
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&code, "code", "", "The message a scanner read (required).")
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "Search every namespace.")
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		if code == "" {
			return cli.Usagef("--code is required")
		}
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		opts := []client.ListOption{client.MatchingFields{"status.barcode.message": code}}
		if !all {
			opts = append(opts, client.InNamespace(ns))
		}
		var passes walletv1.PassList
		if err := k.List(c.Context(), &passes, opts...); err != nil {
			return err
		}
		if len(passes.Items) == 0 {
			where := "namespace " + ns
			if all {
				where = "any namespace"
			}
			return fmt.Errorf("no pass in %s has a barcode reading %q", where, code)
		}
		w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 3, ' ', 0)
		if all {
			fmt.Fprint(w, "NAMESPACE\t")
		}
		fmt.Fprintln(w, "NAME\tTEMPLATE\tSERIAL\tREADY\tVOIDED\tREDEEMED")
		for _, p := range passes.Items {
			if all {
				fmt.Fprint(w, p.Namespace+"\t")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%v\t%v\n", p.Name, p.Spec.TemplateRef.Name, p.Spec.SerialNumber,
				status.IsReady(p.Status.Conditions, p.Generation), p.Spec.Voided, p.Spec.Redeemed)
		}
		return w.Flush()
	}
	return cmd
}
