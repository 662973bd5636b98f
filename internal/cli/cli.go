// Package cli is the subcommand framework of the wallet-operator binary:
// each subcommand parses its own flags and runs until its context ends.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
)

// Command is one subcommand of the binary.
type Command struct {
	// Name is the word that selects it: wallet-operator <Name> [flags].
	Name string
	// Summary is one line for the usage text.
	Summary string
	// Run parses args (the words after Name) and does the work. It returns
	// when ctx is cancelled (a signal) or the work is done.
	Run func(ctx context.Context, args []string) error
}

// ErrUsage marks an error caused by how the binary was called; App.Run
// prints it and returns exit code 2 (other errors: 1).
var ErrUsage = errors.New("usage")

// App is the binary: a name and its subcommands.
type App struct {
	Name     string
	Commands []Command
}

// Run dispatches args (without the program name) to the subcommand they
// name and returns the process exit code.
func (a App) Run(ctx context.Context, args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := a.find(args[0])
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n", a.Name, args[0])
		a.usage(stderr)
		return 2
	}
	err := cmd.Run(ctx, args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s %s: %v\n", a.Name, cmd.Name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s %s: %v\n", a.Name, cmd.Name, err)
		return 1
	}
}

func (a App) find(name string) (Command, bool) {
	for _, c := range a.Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

func (a App) usage(w io.Writer) {
	cmds := append([]Command(nil), a.Commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s <command> [flags]\n\nCommands:\n", a.Name)
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-12s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(&b, "\nRun '%s <command> --help' for the flags of a command.\n", a.Name)
	io.WriteString(w, b.String())
}

// NewFlagSet returns a flag set for a subcommand that reports errors instead
// of exiting, so Run can return them.
func NewFlagSet(app, command string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(app+" "+command, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// Parse parses args into fs and wraps a bad flag as ErrUsage. Positional
// arguments are refused (ParseArgs takes them).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// ParseArgs parses args into fs with flags anywhere, before, between or
// after the positional arguments (as kubectl users write them), and returns
// the positional ones; "--" ends the flags. A bad flag is ErrUsage.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// flag stops at the first positional argument, or after "--".
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
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
