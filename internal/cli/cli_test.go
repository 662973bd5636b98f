package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestAppDispatch(t *testing.T) {
	var ran []string
	app := App{Name: "wallet-operator", Commands: []Command{
		{Name: "ok", Summary: "succeeds", Run: func(_ context.Context, args []string) error {
			ran = append(ran, strings.Join(args, " "))
			return nil
		}},
		{Name: "bad-flags", Summary: "misused", Run: func(_ context.Context, args []string) error {
			fs := NewFlagSet("wallet-operator", "bad-flags", &bytes.Buffer{})
			return Parse(fs, args)
		}},
		{Name: "fails", Summary: "fails", Run: func(context.Context, []string) error { return errors.New("boom") }},
	}}
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{nil, 2, "Usage: wallet-operator <command>"},
		{[]string{"help"}, 0, "ok           succeeds"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"ok", "a", "b"}, 0, ""},
		{[]string{"bad-flags", "--x"}, 2, "flag provided but not defined: -x"},
		{[]string{"bad-flags", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"bad-flags", "--help"}, 0, ""},
		{[]string{"fails"}, 1, "wallet-operator fails: boom"},
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		if code := app.Run(context.Background(), tc.args, &stderr); code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr.String())
		}
		if !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, stderr.String(), tc.inStderr)
		}
	}
	if len(ran) != 1 || ran[0] != "a b" {
		t.Errorf("ok ran with %v, want [\"a b\"]", ran)
	}
	if !errors.Is(Parse(flag.NewFlagSet("x", flag.ContinueOnError), []string{"--help"}), flag.ErrHelp) {
		t.Error("--help should surface flag.ErrHelp")
	}
}

// Flags go anywhere, as in the README's
// `wallet-operator fetch -n default james-smith-pd123 -o james.pkpass`.
func TestParseArgsFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		positional []string
		ns, out    string
	}{
		{[]string{"-n", "default", "james", "-o", "james.pkpass"}, []string{"james"}, "default", "james.pkpass"},
		{[]string{"james", "-n", "team-a", "-o", "x.pkpass"}, []string{"james"}, "team-a", "x.pkpass"},
		{[]string{"-o", "x.pkpass", "a.pkpass", "b.pkpass", "-n", "b"}, []string{"a.pkpass", "b.pkpass"}, "b", "x.pkpass"},
		{[]string{"-n", "c", "--", "-dash-name", "-o"}, []string{"-dash-name", "-o"}, "c", ""},
		{nil, nil, "default", ""},
	} {
		fs := NewFlagSet("app", "cmd", io.Discard)
		ns := fs.String("n", "default", "")
		out := fs.String("o", "", "")
		got, err := ParseArgs(fs, tc.args)
		if err != nil || !slices.Equal(got, tc.positional) || *ns != tc.ns || *out != tc.out {
			t.Errorf("%q: positional %q, -n %q, -o %q, err %v", tc.args, got, *ns, *out, err)
		}
	}
	fs := NewFlagSet("app", "cmd", io.Discard)
	if _, err := ParseArgs(fs, []string{"name", "--no-such-flag"}); !errors.Is(err, ErrUsage) {
		t.Errorf("an unknown flag after a name: %v", err)
	}
}
