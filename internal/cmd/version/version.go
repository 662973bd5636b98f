// Package version is the `version` command: this binary's build and, when a
// cluster is reachable, the builds its wallet-operator components run.
package version

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/version"
)

// Component is one Deployment of wallet-operator found in the cluster.
type Component struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Component string `json:"component"`
	Version   string `json:"version"`
	Image     string `json:"image"`
}

// Report is what `version -o json` prints.
type Report struct {
	Client  version.Info `json:"client"`
	Cluster []Component  `json:"cluster,omitempty"`
}

// Command returns the version command.
func Command() *cobra.Command {
	var clientOnly bool
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print this binary's version and, when a cluster is reachable, the version its manager and web service run",
		Example: `  kubectl wallet version
  wallet-operator version --client -o json`,
		Args: cobra.NoArgs,
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().BoolVar(&clientOnly, "client", false, "Print this binary's version only; do not ask the cluster.")
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: json, or empty for text.")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if output != "" && output != "json" {
			return cli.Usagef("--output must be json or empty, not %q", output)
		}
		r := Report{Client: version.Get()}
		var clusterErr error
		if !clientOnly {
			r.Cluster, clusterErr = components(cmd, kube)
		}
		if output == "json" {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(r)
		}
		printText(cmd.OutOrStdout(), r)
		if clusterErr != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "cluster: not asked (%v)\n", clusterErr)
		}
		return nil
	}
	return cmd
}

func printText(w io.Writer, r Report) {
	fmt.Fprintf(w, "client: %s\n", r.Client)
	for _, c := range r.Cluster {
		fmt.Fprintf(w, "%s: %s (deployment %s/%s, image %s)\n", c.Component, c.Version, c.Namespace, c.Name, c.Image)
	}
}

// components lists wallet-operator's Deployments in every namespace the
// caller may list (else in the namespace of -n or the context).
func components(cmd *cobra.Command, kube *cli.KubeFlags) ([]Component, error) {
	c, ns, err := kube.Client()
	if err != nil {
		return nil, err
	}
	var list appsv1.DeploymentList
	selector := client.MatchingLabels{"app.kubernetes.io/name": "wallet-operator"}
	if err := c.List(cmd.Context(), &list, selector); err != nil {
		if err := c.List(cmd.Context(), &list, selector, client.InNamespace(ns)); err != nil {
			return nil, fmt.Errorf("list the wallet-operator Deployments: %w", err)
		}
	}
	var out []Component
	for _, d := range list.Items {
		image := ""
		if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
			image = cs[0].Image
		}
		v := d.Labels["app.kubernetes.io/version"]
		if v == "" {
			v = tagOf(image)
		}
		out = append(out, Component{Namespace: d.Namespace, Name: d.Name, Component: d.Labels["app.kubernetes.io/component"], Version: v, Image: image})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out, nil
}

// tagOf is an image reference's tag ("" for a digest-only or untagged one).
func tagOf(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return ""
}
