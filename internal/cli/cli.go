// Package cli is the command line of the wallet-operator binary, on cobra:
// the root command, how errors are printed and what exit code they give,
// flag suggestions, and the adapter for the long-running commands whose
// flags (and controller-runtime's zap flags) are declared with Go's flag
// package.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"
)

// ErrUsage marks an error caused by how the binary was called; Main prints
// it and exits 2 (other errors: 1).
var ErrUsage = errors.New("usage")

// ErrSilent is an error whose command already said what went wrong (a
// verify failure list, a status tree with what is not Ready): exit 1,
// nothing more printed.
var ErrSilent = errors.New("")

// PluginName is the executable name kubectl runs for `kubectl wallet`.
const PluginName = "kubectl-wallet"

// Usagef is a usage error with a message.
func Usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Invocation says how the binary was called: as wallet-operator, or as the
// kubectl plugin (kubectl-wallet, through `kubectl wallet`).
func Invocation(arg0 string) (use string, plugin bool) {
	if strings.TrimSuffix(filepath.Base(arg0), ".exe") == PluginName {
		return "kubectl wallet", true
	}
	return "wallet-operator", false
}

// NewRoot returns the root command. serverOnly commands (manager,
// webservice, demo) are hidden when the binary runs as the kubectl plugin.
func NewRoot(use string, plugin bool, commands []*cobra.Command, serverOnly map[string]bool) *cobra.Command {
	root := &cobra.Command{
		Use:           use,
		Short:         "Apple Wallet passes as Kubernetes resources",
		Long:          "Apple Wallet passes as Kubernetes resources: PassCertificates, PassTemplates and Passes, signed by the manager and served to iPhones by the web service.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	if plugin {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: use}
	}
	for _, c := range commands {
		if plugin && serverOnly[c.Name()] {
			c.Hidden = true
		}
		root.AddCommand(c)
	}
	root.SetFlagErrorFunc(suggestFlag)
	return root
}

// Main runs the root command with args and returns the exit code, printing
// errors to stderr as kubectl does.
func Main(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, ErrSilent) {
		return 1
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Reason != "" {
		fmt.Fprintf(stderr, "Error from server (%s): %s\n", status.Status().Reason, status.Status().Message)
		return 1
	}
	fmt.Fprintf(stderr, "error: %v\n", strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))
	if errors.Is(err, ErrUsage) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "See '%s --help' for usage.\n", commandPath(root, args))
		return 2
	}
	return 1
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments).
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "accepts ") || strings.HasPrefix(msg, "requires ") ||
		strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument")
}

func commandPath(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil {
		return c.CommandPath()
	}
	return root.CommandPath()
}

// suggestFlag turns an unknown flag into a usage error naming the closest
// flag the command has.
func suggestFlag(c *cobra.Command, err error) error {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return Usagef("%s", msg)
	}
	best, bestDistance := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d := distance(name, f.Name); d < bestDistance {
			best, bestDistance = f.Name, d
		}
	})
	if best != "" {
		return Usagef("%s (did you mean --%s?)", msg, best)
	}
	return Usagef("%s", msg)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// RunFunc runs a command with its positional arguments.
type RunFunc func(ctx context.Context, args []string) error

// FromFlagSet makes a cobra command of one whose flags are declared on a Go
// flag.FlagSet (the long-running commands, with controller-runtime's zap
// flags): define declares them and returns what runs once they are parsed.
// Their names stay as the Deployments write them (--leader-elect, ...).
func FromFlagSet(cmd *cobra.Command, define func(fs *flag.FlagSet) RunFunc) *cobra.Command {
	fs := flag.NewFlagSet(cmd.Name(), flag.ContinueOnError)
	run := define(fs)
	cmd.Flags().AddGoFlagSet(fs)
	cmd.RunE = func(c *cobra.Command, args []string) error { return run(c.Context(), args) }
	return cmd
}

// Execute runs one command with args, as the binary would (for tests of a
// command on its own).
func Execute(ctx context.Context, cmd *cobra.Command, args []string) error {
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(suggestFlag)
	return cmd.ExecuteContext(ctx)
}

// OperatorNamespace is where the operator's own Secrets (the token key, the
// push credentials) live when --operator-namespace is not given: the pod's
// namespace in a cluster (POD_NAMESPACE), else the namespace of the
// kubeconfig's current context, as kubectl would use ("default" when it
// names none).
func OperatorNamespace(kubeconfig string) string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	ns, _, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).Namespace()
	if err != nil || ns == "" {
		return "default"
	}
	return ns
}

// OutputFileFlag defines --output-file, where a command writes the file it
// makes. In kubectl, -o/--output names an output format (as in this
// plugin's find, status and version), so a file is --output-file; the
// -o/--output spelling these commands first had keeps working, hidden,
// with a warning.
func OutputFileFlag(cmd *cobra.Command, out *string, usage string) {
	f := cmd.Flags()
	f.StringVar(out, "output-file", "", usage)
	f.VarP(oldOutputFlag{cmd, out}, "output", "o", usage)
	_ = f.MarkHidden("output")
}

// oldOutputFlag is -o/--output as a file: it warns, then sets the file.
// (cobra keeps pflag's own deprecation notices to itself.)
type oldOutputFlag struct {
	cmd *cobra.Command
	out *string
}

func (f oldOutputFlag) String() string { return *f.out }
func (f oldOutputFlag) Type() string   { return "string" }
func (f oldOutputFlag) Set(v string) error {
	fmt.Fprintln(f.cmd.ErrOrStderr(), "Flag -o/--output has been deprecated, use --output-file (in kubectl, -o is an output format)")
	*f.out = v
	return nil
}
