package demo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	democmd "github.com/wallet-operator/wallet-operator/internal/cmd/demo"
	"github.com/wallet-operator/wallet-operator/internal/cmd/root"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// kubectlWallet runs the binary as the kubectl plugin against the demo
// cluster and returns its exit code, stdout and stderr.
func kubectlWallet(t *testing.T, kubeconfig string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if args[0] != "verify" { // verify reads files only
		args = append(args, "--kubeconfig", kubeconfig)
	}
	code := cli.Main(context.Background(), root.Command("/usr/local/bin/kubectl-wallet"), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// walkPlugin uses every `kubectl wallet` command as a person would, on the
// demo's cluster (c reads what they did).
func walkPlugin(t *testing.T, kubeconfig string, c client.Client) {
	ctx := context.Background()
	get := func(name string) *walletv1.Pass {
		t.Helper()
		p := &walletv1.Pass{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: democmd.Namespace, Name: name}, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	type run struct {
		args           []string
		code           int
		stdout, stderr []string // substrings
		emptyStdout    bool
	}
	dir := t.TempDir()
	for _, r := range []run{
		{args: []string{"status"}, code: 0, stdout: []string{"✓ PassCertificate dev-certificate", "PassTemplate harbour-concert (eventTicket, 2 passes", "✓ concert-a-12-7 (hh-2026-a-12-7"}},
		{args: []string{"status", "coffee-coupon"}, code: 0, stdout: []string{"PassTemplate coffee-coupon"}},
		{args: []string{"status", "no-such-template"}, code: 1, stderr: []string{`PassTemplate "no-such-template" not found`}},
		{args: []string{"find", "--code", "PD123-serial-1350551026"}, code: 0, stdout: []string{"james-smith-pd123", "passdock-airways"}},
		{args: []string{"find", "--code", "nothing-reads-this"}, code: 1, emptyStdout: true, stderr: []string{`no pass in namespace default has a barcode reading "nothing-reads-this"`}},
		// Where-queries, the API server's and the plugin's parts together.
		{args: []string{"find", "--where", "data.row>=12", "--where", "spec.templateRef.name=harbour-concert", "-o", "name"}, code: 0,
			stdout: []string{"pass.passes.wallet-operator.io/concert-a-12-7\npass.passes.wallet-operator.io/concert-a-12-8\n"}},
		{args: []string{"find", "--where", "data.seat in (8,9)", "--where", "spec.serialNumber like 'hh-%'", "-o", "name"}, code: 0,
			stdout: []string{"pass.passes.wallet-operator.io/concert-a-12-8\n"}},
		{args: []string{"find", "--where", "data.seat notin (8,9)", "--where", "spec.templateRef.name=harbour-concert", "-o", "name"}, code: 0,
			stdout: []string{"pass.passes.wallet-operator.io/concert-a-12-7\n"}},
		{args: []string{"find", "--where", "status.bundle.lastModified>=2020-01-01", "--where", "data.seat<8"}, code: 0, stdout: []string{"concert-a-12-7"}},
		{args: []string{"find", "--where", "data.seat>99"}, code: 1, emptyStdout: true, stderr: []string{"no pass in namespace default matches"}},
		{args: []string{"find", "--where", "tier=gold"}, code: 2, stderr: []string{"a path starts with data, spec, status or metadata"}},
		{args: []string{"find"}, code: 2, stderr: []string{"say what to find: --code MESSAGE, or --where CONDITION"}},
		// kubectl's conventions: -A, -l, -o.
		{args: []string{"status", "-A"}, code: 0, stdout: []string{"Namespace default:", "✓ PassCertificate dev-certificate"}},
		{args: []string{"status", "-o", "json"}, code: 0, stdout: []string{`"namespace": "default"`, `"name": "harbour-concert"`, `"serialNumber": "hh-2026-a-12-7"`, `"ready": true`}},
		{args: []string{"status", "-o", "yaml", "coffee-coupon"}, code: 0, stdout: []string{"namespace: default", "name: coffee-coupon"}},
		{args: []string{"status", "-l", "no-such-label=x"}, code: 0, emptyStdout: true, stderr: []string{"No PassCertificates, PassTemplates or Passes"}},
		{args: []string{"status", "-o", "xml"}, code: 2, stderr: []string{"--output must be one of [json yaml]"}},
		{args: []string{"find", "--code", "PD123-serial-1350551026", "-o", "name"}, code: 0, stdout: []string{"pass.passes.wallet-operator.io/james-smith-pd123\n"}},
		{args: []string{"find", "--code", "PD123-serial-1350551026", "-o", "json"}, code: 0, stdout: []string{`"kind": "PassList"`, `"name": "james-smith-pd123"`}},
		{args: []string{"find", "--code", "PD123-serial-1350551026", "-o", "wide", "-A"}, code: 0, stdout: []string{"NAMESPACE", "DOWNLOAD", "/download/"}},
		{args: []string{"find", "--code", "PD123-serial-1350551026", "-l", "no-such-label=x"}, code: 1, stderr: []string{"no pass in namespace default"}},
		{args: []string{"fetch", "james-smith-pd123", "--output-file", filepath.Join(dir, "james.pkpass")}, code: 0, stderr: []string{"wrote"}},
		{args: []string{"fetch", "no-such-pass", "--output-file", filepath.Join(dir, "x.pkpass")}, code: 1, emptyStdout: true,
			stderr: []string{`Error from server (NotFound): passes.passes.wallet-operator.io "no-such-pass" not found`}},
		{args: []string{"fetch", "member-tom", "--output-file", filepath.Join(dir, "missing", "x.pkpass")}, code: 1, stderr: []string{"does not exist"}},
		// The first spelling of the file flag keeps working, with a word.
		{args: []string{"fetch", "member-tom", "-o", filepath.Join(dir, "tom.pkpass")}, code: 0, stderr: []string{"wrote", "-o/--output has been deprecated, use --output-file"}},
		{args: []string{"verify", filepath.Join(dir, "james.pkpass")}, code: 0, stdout: []string{"OK "}},
		{args: []string{"fetch", "festival-jana", "festival-petr", "--output-file", filepath.Join(dir, "festival.pkpasses")}, code: 0, stderr: []string{"wrote", "(2 passes"}},
		{args: []string{"fetch", "--template", "vltava-air-ok650", "--output-file", filepath.Join(dir, "ok650.pkpasses")}, code: 0, stderr: []string{"(2 passes"}},
		{args: []string{"verify", filepath.Join(dir, "festival.pkpasses")}, code: 0, stdout: []string{"OK ", "(2 passes)"}},
		{args: []string{"fetch", "-l", "family=none", "--output-file", filepath.Join(dir, "none.pkpasses")}, code: 1, stderr: []string{"no pass matching family=none in namespace default"}},
		{args: []string{"fetch", "festival-jana", "festival-petr", "--output-file", filepath.Join(dir, "two.pkpass")}, code: 2, stderr: []string{"--output-file FILE.pkpasses"}},
		{args: []string{"redeem", "coffee-coupon-0001"}, code: 0, stdout: []string{"pass.passes.wallet-operator.io/coffee-coupon-0001 redeemed"}},
		{args: []string{"redeem", "coffee-coupon-0001"}, code: 0, stdout: []string{"unchanged"}},
		// At the gate: by the code a scanner read, checked, once.
		{args: []string{"redeem", "--code", "PD123-serial-1350551026", "--dry-run"}, code: 0, stdout: []string{"james-smith-pd123 would be admitted (dry run, serial"}},
		{args: []string{"redeem", "--code", "PD123-serial-1350551026", "--template", "harbour-concert", "--dry-run"}, code: 1,
			stderr: []string{"james-smith-pd123 not admitted: wrongTemplate (a pass of template passdock-airways)"}},
		{args: []string{"redeem", "--code", "PD123-serial-1350551026"}, code: 0, stdout: []string{"pass.passes.wallet-operator.io/james-smith-pd123 redeemed"}},
		{args: []string{"redeem", "--code", "PD123-serial-1350551026"}, code: 1, stderr: []string{"james-smith-pd123 not admitted: alreadyRedeemed at ", " by kubectl"}},
		{args: []string{"redeem", "--code", "nothing-reads-this"}, code: 1, stderr: []string{`no pass in namespace default has a barcode reading "nothing-reads-this": unknown`}},
		{args: []string{"redeem"}, code: 2, stderr: []string{"name one pass, or the code a scanner read with --code"}},
		{args: []string{"redeem", "member-tom", "--dry-run"}, code: 2, stderr: []string{"--template and --dry-run go with --code"}},
		{args: []string{"void", "bakery-jana"}, code: 0, stdout: []string{"bakery-jana voided"}},
		{args: []string{"push", "member-tom"}, code: 0, stdout: []string{"pass.passes.wallet-operator.io/member-tom push requested at"}},
		{args: []string{"push", "--template", "harbour-concert"}, code: 0, stdout: []string{"passtemplate.passes.wallet-operator.io/harbour-concert push requested at"}},
		{args: []string{"push"}, code: 2, stderr: []string{"name one pass, or a template with --template"}},
		{args: []string{"open", "member-tom"}, code: 0, stdout: []string{"/download/", "▀"}},
		{args: []string{"fetch", "member-tom", "--namspace", "default", "--output-file", "x"}, code: 2, stderr: []string{"did you mean --namespace?"}},
		{args: []string{"stauts"}, code: 2, stderr: []string{"Did you mean this?", "status"}},
		{args: []string{"status", "--context", "nope"}, code: 1, stderr: []string{`context "nope" does not exist`}},
	} {
		code, stdout, stderr := kubectlWallet(t, kubeconfig, r.args...)
		if code != r.code {
			t.Errorf("kubectl wallet %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), code, r.code, stdout, stderr)
		}
		for _, want := range r.stdout {
			if !strings.Contains(stdout, want) {
				t.Errorf("kubectl wallet %s: stdout lacks %q:\n%s", strings.Join(r.args, " "), want, stdout)
			}
		}
		for _, want := range r.stderr {
			if !strings.Contains(stderr, want) {
				t.Errorf("kubectl wallet %s: stderr lacks %q:\n%s", strings.Join(r.args, " "), want, stderr)
			}
		}
		if r.emptyStdout && stdout != "" {
			t.Errorf("kubectl wallet %s: printed %q on stdout", strings.Join(r.args, " "), stdout)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "james.pkpass")); err != nil || !pkpass.Verify(data, nil).OK() {
		t.Errorf("the fetched pass does not verify: %v", err)
	}
	// A .pkpasses is a zip of whole, signed .pkpass files.
	for file, names := range map[string][]string{"festival.pkpasses": {"festival-jana.pkpass", "festival-petr.pkpass"}, "ok650.pkpasses": {"ok650-dvorakova.pkpass", "ok650-novak.pkpass"}} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		inner, err := pkpass.Unzip(data)
		if err != nil || !slices.Equal(inner.Names(), names) {
			t.Fatalf("%s holds %v (%v), want %v", file, inner.Names(), err, names)
		}
		for _, name := range names {
			if r := pkpass.Verify(inner[name], nil); !r.OK() {
				t.Errorf("%s in %s does not verify: %v", name, file, r.Failures)
			}
		}
	}
	// Eight gates redeeming one pass at once: one succeeds.
	codes := make([]int, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() { codes[i], _, _ = kubectlWallet(t, kubeconfig, "redeem", "--code", "member:bc-2041") })
	}
	wg.Wait()
	if n := len(codes) - len(slices.DeleteFunc(slices.Clone(codes), func(c int) bool { return c == 0 })); n != 1 {
		t.Errorf("8 concurrent redeem --code of one pass exited %v: want exactly one 0", codes)
	}
	if p := get("member-petra"); !p.Spec.Redeemed || p.Annotations[walletv1.AnnotationCheckedInBy] != "kubectl" {
		t.Errorf("redeem --code: redeemed %v, checked in by %q", p.Spec.Redeemed, p.Annotations[walletv1.AnnotationCheckedInBy])
	}
	if p := get("coffee-coupon-0001"); !p.Spec.Redeemed {
		t.Error("redeem did not set spec.redeemed")
	}
	if p := get("bakery-jana"); !p.Spec.Voided {
		t.Error("void did not set spec.voided")
	}
	if p := get("member-tom"); p.Annotations[walletv1.AnnotationPushRequestedAt] == "" {
		t.Error("push did not set the push-requested-at annotation")
	}

	var stderr bytes.Buffer
	if code := cli.Main(ctx, root.Command("kubectl-wallet"), []string{"status", "--kubeconfig", filepath.Join(dir, "nope")}, &bytes.Buffer{}, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "the kubeconfig "+filepath.Join(dir, "nope")+" does not exist") {
		t.Errorf("a missing kubeconfig: exit %d, %s", code, stderr.String())
	}

	// Something not Ready: status says what and exits 1.
	broken := &walletv1.Pass{}
	broken.Namespace, broken.Name = democmd.Namespace, "orphan"
	broken.Spec.TemplateRef.Name, broken.Spec.SerialNumber = "no-such-template", "orphan-1"
	if err := c.Create(ctx, broken); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := kubectlWallet(t, kubeconfig, "status")
	if code != 1 || !strings.Contains(stdout, "✗ PassTemplate no-such-template: not found") {
		t.Errorf("status with a pass of a missing template: exit %d\n%s", code, stdout)
	}
	_ = c.Delete(ctx, broken)
}

// Every command shows examples in its help, and the completion scripts
// load in bash.
func TestHelpAndCompletion(t *testing.T) {
	for _, arg0 := range []string{"wallet-operator", "kubectl-wallet"} {
		for _, cmd := range root.Command(arg0).Commands() {
			if cmd.Name() == "help" || cmd.Name() == "completion" {
				continue
			}
			if cmd.Example == "" {
				t.Errorf("%s %s --help shows no example", arg0, cmd.Name())
			}
		}
	}
	var script, stderr bytes.Buffer
	if code := cli.Main(context.Background(), root.Command("wallet-operator"), []string{"completion", "bash"}, &script, &stderr); code != 0 {
		t.Fatalf("completion bash: exit %d: %s", code, stderr.String())
	}
	file := filepath.Join(t.TempDir(), "completion.bash")
	if err := os.WriteFile(file, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "-c", "source "+file+" && complete -p wallet-operator").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "wallet-operator") {
		t.Errorf("the bash completion does not load: %v %s", err, out)
	}
}
