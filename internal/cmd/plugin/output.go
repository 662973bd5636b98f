package plugin

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// listFlags are kubectl's flags of commands that list: -A, -l and -o.
type listFlags struct {
	allNamespaces bool
	selector      string
	output        string
	formats       []string
}

func addListFlags(cmd *cobra.Command, formats ...string) *listFlags {
	f := &listFlags{formats: formats}
	cmd.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "Every namespace, not only -n's (or the context's).")
	cmd.Flags().StringVarP(&f.selector, "selector", "l", "", "Only passes whose labels match this selector (such as group=novak-family).")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", fmt.Sprintf("Output format: %v, or empty for the table.", formats))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
	return f
}

func (f *listFlags) check() error {
	if f.output == "" {
		return nil
	}
	for _, v := range f.formats {
		if v == f.output {
			return nil
		}
	}
	return cli.Usagef("--output must be one of %v, not %q", f.formats, f.output)
}

// options are the list options of -A (else ns) and -l.
func (f *listFlags) options(ns string) ([]client.ListOption, error) {
	var opts []client.ListOption
	if !f.allNamespaces {
		opts = append(opts, client.InNamespace(ns))
	}
	if f.selector != "" {
		sel, err := labels.Parse(f.selector)
		if err != nil {
			return nil, cli.Usagef("--selector %q: %v", f.selector, err)
		}
		opts = append(opts, client.MatchingLabelsSelector{Selector: sel})
	}
	return opts, nil
}

// printStructured writes v as JSON or YAML.
func printStructured(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	return fmt.Errorf("no structured format %q", format)
}

// withKind fills a typed list's apiVersion and kind (the client leaves them
// empty), so -o json|yaml prints what kubectl would.
func withKind(list client.ObjectList) error {
	gvk, err := apiutil.GVKForObject(list, scheme.New())
	if err != nil {
		return err
	}
	list.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}
