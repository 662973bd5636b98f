package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
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
			return Parse(fs, args, false)
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
	if !errors.Is(Parse(flag.NewFlagSet("x", flag.ContinueOnError), []string{"--help"}, false), flag.ErrHelp) {
		t.Error("--help should surface flag.ErrHelp")
	}
}
