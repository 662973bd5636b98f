// Package verify is the `wallet-operator verify` subcommand: it checks a
// .pkpass as Wallet would and prints every rule that fails.
package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// Command returns the `verify` subcommand.
func Command() *cobra.Command {
	var roots string
	cmd := &cobra.Command{
		Use:   "verify FILE.pkpass|FILE.pkpasses...",
		Short: "check a .pkpass: structure, manifest, signature, certificate and pass.json",
		Long:  "Check .pkpass files as Wallet would: every rule that fails is printed, then INVALID; exit 1 when any file fails.",
		Example: `  wallet-operator verify james.pkpass
  wallet-operator verify --roots demo-out/dev-root.pem demo-out/*.pkpass
  wallet-operator verify festival.pkpasses`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, files []string) error { return run(c.OutOrStdout(), files, roots) },
	}
	cmd.Flags().StringVar(&roots, "roots", "", "PEM file of root certificates to check the signer's chain against (Apple's root, or the development root of a generated chain).")
	return cmd
}

// verifyPasses checks every pass of a .pkpasses bundle, as one file.
func verifyPasses(w io.Writer, file string, data []byte, pool *x509.CertPool) error {
	inner, err := pkpass.Unzip(data)
	if err != nil {
		return fmt.Errorf("%s: not a .pkpasses (a zip of .pkpass files): %w", file, err)
	}
	failed := 0
	for _, name := range inner.Names() {
		if !strings.HasSuffix(name, ".pkpass") {
			fmt.Fprintf(w, "FAIL %s: %s is not a .pkpass\n", file, name)
			failed++
			continue
		}
		report := pkpass.Verify(inner[name], pool)
		for _, f := range report.Failures {
			fmt.Fprintf(w, "FAIL %s: %s\n", name, f)
		}
		for _, n := range notes(inner[name], pool, report) {
			fmt.Fprintf(w, "NOTE %s: %s\n", name, n)
		}
		if !report.OK() {
			failed++
		}
	}
	if failed > 0 || len(inner) == 0 {
		return fmt.Errorf("%s: %w (%d of %d passes failed)", file, ErrInvalid, failed, len(inner))
	}
	fmt.Fprintf(w, "OK %s (%d passes)\n", file, len(inner))
	return nil
}

// notes are the report's notes; without --roots, the chain is checked
// against Apple's root (built in) instead: what an iPhone will decide.
func notes(data []byte, pool *x509.CertPool, report *pkpass.Report) []string {
	if pool != nil || !report.OK() {
		return report.Notes
	}
	var out []string
	for _, n := range report.Notes {
		if !strings.HasPrefix(n, "trust chain not checked") {
			out = append(out, n)
		}
	}
	apple := x509.NewCertPool()
	apple.AddCert(certs.AppleRoot())
	if pkpass.Verify(data, apple).OK() {
		return append(out, "trust chain: Apple Root CA (built in), through Apple's WWDR intermediate: iPhones accept it")
	}
	return append(out, "trust chain: does not lead to Apple Root CA, so iPhones refuse the pass (a development chain? check it with --roots ROOTS.pem)")
}

// ErrInvalid is returned when a rule fails; the failures are printed.
var ErrInvalid = errors.New("the pass is invalid")

func run(w io.Writer, files []string, roots string) error {
	var failed []string
	for _, file := range files {
		if err := Verify(w, file, roots); err != nil {
			if !errors.Is(err, ErrInvalid) {
				return err
			}
			fmt.Fprintln(w, "INVALID", file)
			failed = append(failed, file)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %d of %d files", ErrInvalid, len(failed), len(files))
	}
	return nil
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
	if strings.HasSuffix(file, ".pkpasses") {
		return verifyPasses(w, file, data, pool)
	}
	report := pkpass.Verify(data, pool)
	for _, f := range report.Failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	for _, n := range notes(data, pool, report) {
		fmt.Fprintln(w, "NOTE", n)
	}
	if !report.OK() {
		return fmt.Errorf("%s: %w (%d rules failed)", file, ErrInvalid, len(report.Failures))
	}
	fmt.Fprintf(w, "OK %s\n", file)
	return nil
}
