package plugin

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

func findCommand() *cobra.Command {
	var code string
	cmd := &cobra.Command{
		Use:   "find --code MESSAGE",
		Short: "find the pass whose barcode a scanner read",
		Long:  "Find passes by the message of their barcode (status.barcode.message, however it was made). Exit 1 when none has it.",
		Example: `  kubectl wallet find --code PD123-serial-1350551026
  kubectl wallet find --code 4006381333931 -A -o wide
  kubectl wallet find --code 4006381333931 -o name`,
		Args: cobra.NoArgs,
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&code, "code", "", "The message a scanner read (required).")
	list := addListFlags(cmd, "json", "yaml", "name", "wide")
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		if code == "" {
			return cli.Usagef("--code is required")
		}
		if err := list.check(); err != nil {
			return err
		}
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		opts, err := list.options(ns)
		if err != nil {
			return err
		}
		var passes walletv1.PassList
		if err := k.List(c.Context(), &passes, append(opts, client.MatchingFields{"status.barcode.message": code})...); err != nil {
			return err
		}
		if len(passes.Items) == 0 {
			where := "namespace " + ns
			if list.allNamespaces {
				where = "any namespace"
			}
			return fmt.Errorf("no pass in %s has a barcode reading %q", where, code)
		}
		return printPassList(c.OutOrStdout(), &passes, list)
	}
	return cmd
}

// printPassList prints passes as kubectl get would: a table (wide: with
// their download links), names, or the objects as JSON or YAML.
func printPassList(out io.Writer, passes *walletv1.PassList, list *listFlags) error {
	switch list.output {
	case "json", "yaml":
		if err := withKind(passes); err != nil {
			return err
		}
		return printStructured(out, list.output, passes)
	case "name":
		for _, p := range passes.Items {
			fmt.Fprintf(out, "pass.%s/%s\n", walletv1.GroupName, p.Name)
		}
		return nil
	}
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	if list.allNamespaces {
		fmt.Fprint(w, "NAMESPACE\t")
	}
	fmt.Fprint(w, "NAME\tTEMPLATE\tSERIAL\tREADY\tVOIDED\tREDEEMED")
	if list.output == "wide" {
		fmt.Fprint(w, "\tDEVICES\tDOWNLOAD")
	}
	fmt.Fprintln(w)
	for _, p := range passes.Items {
		if list.allNamespaces {
			fmt.Fprint(w, p.Namespace+"\t")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%v\t%v", p.Name, p.Spec.TemplateRef.Name, p.Spec.SerialNumber,
			status.IsReady(p.Status.Conditions, p.Generation), p.Spec.Voided, p.Spec.Redeemed)
		if list.output == "wide" {
			fmt.Fprintf(w, "\t%d\t%s", p.Status.RegisteredDevices, p.Status.DownloadURL)
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}
