// Package verify is the `wallet-operator verify` subcommand: it checks a
// .pkpass as Wallet would and prints every rule that fails.
package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Command returns the `verify` subcommand.
func Command() cli.Command {
	return cli.Command{Name: "verify", Summary: "check a .pkpass: structure, manifest, signature, certificate and pass.json", Run: run}
}

// ErrInvalid is returned when a rule fails; the failures are printed.
var ErrInvalid = errors.New("the pass is invalid")

func run(_ context.Context, args []string) error {
	fs := cli.NewFlagSet("wallet-operator", "verify", os.Stderr)
	roots := fs.String("roots", "", "PEM file of root certificates to check the signer's chain against (Apple's root, or the development root of a generated chain).")
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := cli.Parse(fs, args, true); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if file == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: want one FILE.pkpass", cli.ErrUsage)
	}
	return Verify(os.Stdout, file, *roots)
}

// Verify checks file and prints the outcome to w.
func Verify(w io.Writer, file, rootsFile string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var pool *x509.CertPool
	if rootsFile != "" {
		pem, err := os.ReadFile(rootsFile)
		if err != nil {
			return err
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s holds no PEM certificate", rootsFile)
		}
	}
	report := pkpass.Verify(data, pool)
	for _, f := range report.Failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	for _, n := range report.Notes {
		fmt.Fprintln(w, "NOTE", n)
	}
	if !report.OK() {
		return fmt.Errorf("%s: %w (%d rules failed)", file, ErrInvalid, len(report.Failures))
	}
	fmt.Fprintf(w, "OK %s\n", file)
	return nil
}
