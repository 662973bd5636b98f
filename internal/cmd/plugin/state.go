package plugin

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/webservice/checkin"
)

func redeemCommand() *cobra.Command {
	var code, template string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "redeem NAME | --code MESSAGE",
		Short: "mark a pass redeemed (a used coupon or ticket): Wallet shows it as void",
		Long: "Redeem a pass by name, or by what a scanner read from its barcode (--code), as a gate scanner does through the web service: " +
			"the write is conditioned on the version read, so of two redeeming at once exactly one succeeds. With --code the pass is checked first " +
			"(voided, expired, not yet valid, of another template than --template), and anything but an admission exits 1.",
		Example: `  kubectl wallet redeem coffee-coupon-0001
  kubectl wallet redeem --code 4006381333931
  kubectl wallet redeem --code hh-2026-a-12-7 --template harbour-concert --dry-run`,
		Args: func(_ *cobra.Command, args []string) error {
			if (len(args) == 1) == (code != "") || len(args) > 1 {
				return cli.Usagef("name one pass, or the code a scanner read with --code")
			}
			if code == "" && (template != "" || dryRun) {
				return cli.Usagef("--template and --dry-run go with --code")
			}
			return nil
		},
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&code, "code", "", "The message a scanner read from the pass's barcode.")
	cmd.Flags().StringVar(&template, "template", "", "With --code: the PassTemplate the gate admits (a pass of another answers wrongTemplate).")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "With --code: check the pass without redeeming it.")
	cmd.RunE = func(c *cobra.Command, args []string) error {
		k, ns, err := kube.Client()
		if err != nil {
			return err
		}
		var p *walletv1.Pass
		if code != "" {
			if p, err = passByCode(c.Context(), k, ns, code, template); err != nil {
				return err
			}
		} else {
			p = &walletv1.Pass{}
			if err := k.Get(c.Context(), client.ObjectKey{Namespace: ns, Name: args[0]}, p); err != nil {
				return err
			}
		}
		a, err := redeem(c.Context(), k, p, template, code != "", dryRun)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("pass.%s/%s", walletv1.GroupName, p.Name)
		switch {
		case a.Result == checkin.Admitted && dryRun:
			fmt.Fprintf(c.OutOrStdout(), "%s would be admitted (dry run, serial %s)\n", name, a.SerialNumber)
		case a.Result == checkin.Admitted:
			fmt.Fprintf(c.OutOrStdout(), "%s redeemed\n", name)
		case a.Result == checkin.AlreadyRedeemed && code == "":
			fmt.Fprintf(c.OutOrStdout(), "%s unchanged (already redeemed%s)\n", name, redeemedWhere(a))
		default:
			return fmt.Errorf("%s not admitted: %s%s", name, a.Result, explain(a))
		}
		return nil
	}
	return cmd
}

// passByCode finds the pass of ns whose barcode reads code: the one of
// template when several have it.
func passByCode(ctx context.Context, k client.Client, ns, code, template string) (*walletv1.Pass, error) {
	var passes walletv1.PassList
	if err := k.List(ctx, &passes, client.InNamespace(ns), client.MatchingFields{"status.barcode.message": code}); err != nil {
		return nil, err
	}
	switch {
	case len(passes.Items) == 0:
		return nil, fmt.Errorf("no pass in namespace %s has a barcode reading %q: unknown", ns, code)
	case len(passes.Items) == 1:
		return &passes.Items[0], nil
	}
	for i := range passes.Items {
		if passes.Items[i].Spec.TemplateRef.Name == template {
			return &passes.Items[i], nil
		}
	}
	return nil, fmt.Errorf("%d passes in namespace %s have a barcode reading %q: say which template's with --template", len(passes.Items), ns, code)
}

// redeem judges p at the gate of template (its own when empty; by name,
// only whether it is redeemed already) and redeems it as a gate does
// (checkin.Admit: conditioned on the version judged).
func redeem(ctx context.Context, k client.Client, p *walletv1.Pass, template string, check, dryRun bool) (checkin.Answer, error) {
	tpl := &walletv1.PassTemplate{}
	tpl.Name = cmp.Or(template, p.Spec.TemplateRef.Name)
	if check {
		if err := k.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: tpl.Name}, tpl); err != nil {
			return checkin.Answer{}, err
		}
	}
	judge := func(p *walletv1.Pass, now time.Time) checkin.Answer {
		a := checkin.Judge(p, tpl, now)
		if !check && a.Result != checkin.AlreadyRedeemed {
			a.Result = checkin.Admitted // by name: whatever its state, as spec.redeemed is set
		}
		return a
	}
	a, _, err := checkin.Admit(ctx, k, p, judge, walletv1.GateKubectl, time.Now, dryRun)
	return a, err
}

func redeemedWhere(a checkin.Answer) string {
	s := ""
	if a.RedeemedAt != nil {
		s += " at " + a.RedeemedAt.Format(time.RFC3339)
	}
	if a.Gate != "" {
		s += " by " + a.Gate
	}
	return s
}

// explain says more of an answer that is not an admission.
func explain(a checkin.Answer) string {
	switch a.Result {
	case checkin.AlreadyRedeemed:
		return redeemedWhere(a)
	case checkin.NotYetValid:
		return " (admitted from " + a.OpensAt.Format(time.RFC3339) + ")"
	case checkin.WrongTemplate:
		return " (a pass of template " + a.Template + ")"
	}
	return ""
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
