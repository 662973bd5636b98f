package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/scheme"
)

// KubeFlags are kubectl's own connection flags (--kubeconfig, --context,
// -n/--namespace, --as, ...), so the commands that talk to a cluster read
// the same kubeconfig, context and namespace kubectl would.
type KubeFlags struct {
	flags *genericclioptions.ConfigFlags
}

// AddKubeFlags adds kubectl's connection flags to cmd.
func AddKubeFlags(cmd *cobra.Command) *KubeFlags {
	f := genericclioptions.NewConfigFlags(true)
	f.AddFlags(cmd.Flags())
	return &KubeFlags{flags: f}
}

// Pass connects to the cluster and reads the Pass name in the namespace to
// work in.
func (k *KubeFlags) Pass(ctx context.Context, name string) (client.Client, *walletv1.Pass, error) {
	c, ns, err := k.Client()
	if err != nil {
		return nil, nil, err
	}
	p := &walletv1.Pass{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// Client connects to the cluster and returns a client with the operator's
// types and the namespace to work in (-n, else the context's).
func (k *KubeFlags) Client() (client.Client, string, error) {
	raw, err := k.flags.ToRawKubeConfigLoader().RawConfig()
	var missing *fs.PathError
	switch {
	case errors.As(err, &missing) && errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("the kubeconfig %s does not exist: fix --kubeconfig or $KUBECONFIG", missing.Path)
	case err != nil:
		return nil, "", fmt.Errorf("read the kubeconfig: %w", err)
	case len(raw.Contexts) == 0 && (k.flags.APIServer == nil || *k.flags.APIServer == ""):
		return nil, "", errors.New("no cluster to talk to: no kubeconfig in $KUBECONFIG or ~/.kube/config; pass --kubeconfig FILE (the demo writes demo-out/kubeconfig)")
	}
	cfg, err := k.flags.ToRESTConfig()
	if err != nil {
		return nil, "", fmt.Errorf("find a cluster: %w", err)
	}
	ns, _, err := k.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, "", fmt.Errorf("connect to %s: %w", cfg.Host, err)
	}
	return c, ns, nil
}
