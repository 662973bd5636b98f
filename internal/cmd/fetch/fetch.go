// Package fetch is the `fetch` subcommand: it assembles the stored bundle
// of a Pass from the cluster into a .pkpass file, or of several passes into
// one .pkpasses (Apple's bundle of passes added to Wallet at once).
package fetch

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Command returns the `fetch` subcommand.
func Command() *cobra.Command {
	var out, selector, template string
	cmd := &cobra.Command{
		Use:   "fetch NAME... --output-file FILE",
		Short: "write the signed bundle of a Pass stored in the cluster to a .pkpass, or of several to one .pkpasses",
		Long: "Writes one Pass's signed bundle to a .pkpass, or several passes' (named, or chosen with -l or --template) " +
			"to one .pkpasses: Apple's bundle that adds a family's or a group's passes to Wallet at once.",
		Example: `  wallet-operator fetch -n default james-smith-pd123 --output-file james.pkpass
  kubectl wallet fetch member-tom --output-file tom.pkpass --context kind-passes
  kubectl wallet fetch festival-jana festival-petr --output-file festival.pkpasses
  kubectl wallet fetch -l family=novak --output-file novak.pkpasses
  kubectl wallet fetch member-tom --output-file tom.pkpass --bundle-store=s3 --s3-bucket=passes`,
	}
	kube := cli.AddKubeFlags(cmd)
	cli.OutputFileFlag(cmd, &out, "Where to write the .pkpass, or the .pkpasses of several passes (required).")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "The passes whose labels match this selector, into one .pkpasses.")
	cmd.Flags().StringVar(&template, "template", "", "The passes of this PassTemplate, into one .pkpasses.")
	var store cli.BundleStoreFlags
	goFlags := flag.NewFlagSet("fetch", flag.ContinueOnError)
	store.AddFlags(goFlags)
	cmd.Flags().AddGoFlagSet(goFlags)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		chosen := len(args) > 0
		if chosen == (selector != "" || template != "") || (selector != "" && template != "") {
			return cli.Usagef("name the passes, or choose them with -l SELECTOR or --template NAME (one of the three)")
		}
		several := len(args) > 1 || !chosen
		switch {
		case out == "":
			return cli.Usagef("--output-file FILE is required")
		case several && !strings.HasSuffix(out, ".pkpasses"):
			return cli.Usagef("several passes go into one .pkpasses: --output-file FILE.pkpasses")
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
		if !chosen {
			if args, err = passNames(c, k, ns, selector, template); err != nil {
				return err
			}
		}
		stores, err := store.Stores(c.Context(), k)
		if err != nil {
			return err
		}
		bundles := map[string][]byte{}
		for _, name := range args {
			if bundles[name], err = stores.Fetch(c.Context(), k, ns, name); err != nil {
				return err
			}
		}
		data := bundles[args[0]]
		if several {
			if data, err = pkpass.ZipPasses(bundles); err != nil {
				return err
			}
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		if several {
			fmt.Fprintf(c.ErrOrStderr(), "wrote %s (%d passes, %d bytes)\n", out, len(bundles), len(data))
		} else {
			fmt.Fprintf(c.ErrOrStderr(), "wrote %s (%d bytes)\n", out, len(data))
		}
		return nil
	}
	return cmd
}

// passNames are the passes of the namespace a selector or a template
// chooses, by name; none is an error that says what was looked for.
func passNames(c *cobra.Command, k client.Client, ns, selector, template string) ([]string, error) {
	var list walletv1.PassList
	opts := []client.ListOption{client.InNamespace(ns)}
	what := "of template " + template
	if selector != "" {
		sel, err := labels.Parse(selector)
		if err != nil {
			return nil, cli.Usagef("-l %s: %v", selector, err)
		}
		opts, what = append(opts, client.MatchingLabelsSelector{Selector: sel}), "matching "+selector
	} else {
		opts = append(opts, client.MatchingFields{"spec.templateRef.name": template})
	}
	if err := k.List(c.Context(), &list, opts...); err != nil {
		return nil, err
	}
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no pass %s in namespace %s", what, ns)
	}
	slices.Sort(names)
	return names, nil
}
