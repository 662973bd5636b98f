package plugin

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/fields"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

func findCommand() *cobra.Command {
	var code string
	var where []string
	cmd := &cobra.Command{
		Use:   "find [--code MESSAGE] [--where CONDITION]...",
		Short: "find passes by the code a scanner read, or by conditions on their data, spec and status",
		Long: "Find passes by the message of their barcode (status.barcode.message, however it was made), and by conditions on " +
			"their data, spec, status or metadata (every --where must hold): PATH OP VALUE with OP one of = != > >= < <= " +
			"(numbers as numbers, times as times, else text), in (a,b) and notin (a,b), like and notlike (% any run of characters, _ one), " +
			"Yourpass's $eq $ne $gt $gte $lt $lte $in $notIn $like $notLike. Equality on a selectable field (spec.serialNumber, " +
			"spec.templateRef.name, status.barcode.message, spec.voided, spec.redeemed, status.expired, spec.anonymized, …) is " +
			"evaluated by the API server, the rest here over pages of 500. Exit 1 when none matches.",
		Example: `  kubectl wallet find --code PD123-serial-1350551026
  kubectl wallet find --code 4006381333931 -A -o wide
  kubectl wallet find --where 'data.tier in (gold,silver)' --where 'status.registeredDevices>0'
  kubectl wallet find --where 'spec.templateRef.name=harbour-concert' --where "data.row>=12" -o name
  kubectl wallet find --where 'status.bundle.lastModified>=2026-11-01' --where "spec.serialNumber like 'hh-%'"`,
		Args: cobra.NoArgs,
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&code, "code", "", "The message a scanner read.")
	cmd.Flags().StringArrayVar(&where, "where", nil, "A condition every pass found holds: PATH OP VALUE (repeat for more).")
	list := addListFlags(cmd, "json", "yaml", "name", "wide")
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		if code == "" && len(where) == 0 {
			return cli.Usagef("say what to find: --code MESSAGE, or --where CONDITION")
		}
		var conds []condition
		selectors := []string{}
		if code != "" {
			selectors = append(selectors, fields.OneTermEqualSelector("status.barcode.message", code).String())
		}
		for _, w := range where {
			cond, err := parseCondition(w)
			if err != nil {
				return cli.Usagef("%v", err)
			}
			if sel := cond.fieldSelector(); sel != "" {
				selectors = append(selectors, sel)
			} else {
				conds = append(conds, cond)
			}
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
		if len(selectors) > 0 {
			sel, err := fields.ParseSelector(strings.Join(selectors, ","))
			if err != nil {
				return cli.Usagef("%v", err)
			}
			opts = append(opts, client.MatchingFieldsSelector{Selector: sel})
		}
		found := walletv1.PassList{}
		for next := ""; ; {
			page := walletv1.PassList{} // a fresh one: a last page leaves continue out
			if err := k.List(c.Context(), &page, append(opts, client.Limit(500), client.Continue(next))...); err != nil {
				return err
			}
			for i := range page.Items {
				doc, err := passDocument(&page.Items[i])
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(conds, func(cond condition) bool { return !cond.matches(doc) }) {
					found.Items = append(found.Items, page.Items[i])
				}
			}
			if next = page.Continue; next == "" {
				break
			}
		}
		if len(found.Items) == 0 {
			where := "namespace " + ns
			if list.allNamespaces {
				where = "any namespace"
			}
			if code != "" && len(conds) == 0 && len(selectors) == 1 {
				return fmt.Errorf("no pass in %s has a barcode reading %q", where, code)
			}
			return fmt.Errorf("no pass in %s matches", where)
		}
		return printPassList(c.OutOrStdout(), &found, list)
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
