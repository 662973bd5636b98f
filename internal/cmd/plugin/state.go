package plugin

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
)

func redeemCommand() *cobra.Command {
	return specFlagCommand("redeem", "mark a pass redeemed (a used coupon or ticket): Wallet shows it as void",
		`  kubectl wallet redeem coffee-coupon-0001`, "redeemed", func(p *walletv1.Pass) *bool { return &p.Spec.Redeemed })
}

func voidCommand() *cobra.Command {
	return specFlagCommand("void", "mark a pass void: Wallet shows it as no longer valid",
		`  kubectl wallet void james-smith-pd123 -n airline`, "voided", func(p *walletv1.Pass) *bool { return &p.Spec.Voided })
}

// specFlagCommand sets one boolean of a Pass's spec with a merge patch; the
// manager re-signs the pass and the web service pushes its devices.
func specFlagCommand(name, short, example, done string, field func(*walletv1.Pass) *bool) *cobra.Command {
	cmd := &cobra.Command{Use: name + " NAME", Short: short, Example: example, Args: cobra.ExactArgs(1)}
	kube := cli.AddKubeFlags(cmd)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		k, p, err := kube.Pass(c.Context(), args[0])
		if err != nil {
			return err
		}
		if *field(p) {
			fmt.Fprintf(c.OutOrStdout(), "pass.%s/%s unchanged (already %s)\n", walletv1.GroupName, p.Name, done)
			return nil
		}
		before := p.DeepCopy()
		*field(p) = true
		if err := k.Patch(c.Context(), p, client.MergeFrom(before)); err != nil {
			return err
		}
		fmt.Fprintf(c.OutOrStdout(), "pass.%s/%s %s\n", walletv1.GroupName, p.Name, done)
		return nil
	}
	return cmd
}

func pushCommand() *cobra.Command {
	var template string
	cmd := &cobra.Command{
		Use:   "push NAME | --template TEMPLATE",
		Short: "push every registered device of a pass (or of a template's passes) now, though nothing changed",
		Long: "Ask the web service to push every device registered for the pass, or for every pass of the template, once: " +
			"after an APNs outage or a certificate fix. It sets the " + walletv1.AnnotationPushRequestedAt + " annotation to the current time.",
		Example: `  kubectl wallet push member-petra
  kubectl wallet push --template harbour-concert`,
		Args: func(_ *cobra.Command, args []string) error {
			if (len(args) == 1) == (template != "") || len(args) > 1 {
				return cli.Usagef("name one pass, or a template with --template")
			}
			return nil
		},
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&template, "template", "", "Push the devices of every pass of this PassTemplate.")
	cmd.RunE = func(c *cobra.Command, args []string) error {
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		var obj client.Object = &walletv1.Pass{}
		name, kind := "", "pass"
		if template != "" {
			obj, name, kind = &walletv1.PassTemplate{}, template, "passtemplate"
		} else {
			name = args[0]
		}
		if err := k.Get(c.Context(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
			return err
		}
		now := time.Now().UTC().Format(time.RFC3339)
		patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, walletv1.AnnotationPushRequestedAt, now))
		if err := k.Patch(c.Context(), obj, client.RawPatch("application/merge-patch+json", patch)); err != nil {
			return err
		}
		fmt.Fprintf(c.OutOrStdout(), "%s.%s/%s push requested at %s\n", kind, walletv1.GroupName, name, now)
		return nil
	}
	return cmd
}
