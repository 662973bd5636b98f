package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Exit codes and messages as kubectl users know them: 0 done, 1 failed
// (an API error printed as "Error from server (Reason)"), 2 misused (with
// where to read the usage, and the closest flag or command).
func TestExitCodesAndMessages(t *testing.T) {
	root := func() *cobra.Command {
		var name string
		ok := &cobra.Command{Use: "ok NAME", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
			c.Print(args[0] + " " + name)
			return nil
		}}
		ok.Flags().StringVarP(&name, "namespace", "n", "default", "")
		return NewRoot("wallet-operator", false, []*cobra.Command{
			ok,
			{Use: "fails", RunE: func(*cobra.Command, []string) error { return errors.New("boom") }},
			{Use: "missing", RunE: func(*cobra.Command, []string) error {
				return apierrors.NewNotFound(schema.GroupResource{Group: "passes.wallet-operator.io", Resource: "passes"}, "x")
			}},
			{Use: "misused", RunE: func(*cobra.Command, []string) error { return Usagef("want a name") }},
			{Use: "quiet", RunE: func(*cobra.Command, []string) error { return ErrSilent }},
		}, nil)
	}
	for _, tc := range []struct {
		args             []string
		code             int
		stdout, inStderr string
	}{
		{[]string{"ok", "james", "-n", "team-a"}, 0, "james team-a", ""},
		{[]string{"-n", "team-a", "ok", "james"}, 0, "james team-a", ""}, // flags anywhere
		{[]string{"ok", "-n", "b", "james"}, 0, "james b", ""},
		{[]string{"ok"}, 2, "", "accepts 1 arg(s), received 0"},
		{[]string{"ok", "x", "--namespce", "a"}, 2, "", "unknown flag: --namespce (did you mean --namespace?)\nSee 'wallet-operator ok --help' for usage."},
		{[]string{"okk"}, 2, "", "Did you mean this?"},
		{[]string{"fails"}, 1, "", "error: boom"},
		{[]string{"missing"}, 1, "", `Error from server (NotFound): passes.passes.wallet-operator.io "x" not found`},
		{[]string{"misused"}, 2, "", "error: want a name\nSee 'wallet-operator misused --help'"},
		{[]string{"quiet"}, 1, "", ""},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), root(), tc.args, &stdout, &stderr)
		if code != tc.code || stdout.String() != tc.stdout || !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, containing %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.inStderr)
		}
	}
}

// The binary knows how it was called: as kubectl-wallet it is `kubectl
// wallet`, and the server commands are hidden.
func TestInvocation(t *testing.T) {
	for arg0, want := range map[string]string{"/usr/local/bin/kubectl-wallet": "kubectl wallet", "kubectl-wallet.exe": "kubectl wallet", "bin/wallet-operator": "wallet-operator"} {
		if use, _ := Invocation(arg0); use != want {
			t.Errorf("%s: %q, want %q", arg0, use, want)
		}
	}
	root := NewRoot("kubectl wallet", true, []*cobra.Command{{Use: "manager"}, {Use: "status"}}, map[string]bool{"manager": true})
	for _, c := range root.Commands() {
		if c.Hidden != (c.Name() == "manager") {
			t.Errorf("%s hidden: %v", c.Name(), c.Hidden)
		}
	}
}
