// Package certificate is `kubectl wallet certificate`: from an Apple
// developer account to a PassCertificate, as cmctl does for cert-manager.
// request makes the private key in a Secret (never printed) and the CSR to
// upload to Apple; import completes the Secret with the certificate Apple
// issued, checked against the key and the pass type; request --renew and
// import switch to a new certificate without a gap.
package certificate

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/cli"
)

// Command returns `certificate` with its subcommands.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certificate",
		Short: "Request a Pass Type ID certificate from Apple and import it into a PassCertificate",
		Example: `  kubectl wallet certificate request membership --pass-type-id pass.com.example.membership --output-file membership.csr
  kubectl wallet certificate import membership pass.cer`,
		Long: `Takes a team from an Apple developer account to a PassCertificate:

  1. kubectl wallet certificate request NAME --pass-type-id pass.com.example.card --output-file pass.csr
     makes the private key in Secret NAME-tls (never printed), the PassCertificate NAME,
     and the certificate signing request to upload to Apple.
  2. In Certificates, Identifiers & Profiles > Identifiers > Pass Type IDs, create the
     certificate with pass.csr and download pass.cer.
  3. kubectl wallet certificate import NAME pass.cer
     checks the certificate against the key and the pass type, adds it and Apple's
     intermediate to the Secret: the PassCertificate turns Ready.

Renewal: request --renew makes a new key and CSR beside the current ones, which keep
signing until import switches to the renewed certificate (passes are re-signed).`,
	}
	cmd.AddCommand(requestCommand(), importCommand())
	return cmd
}

func requestCommand() *cobra.Command {
	var passType, out, secret, email string
	var renew bool
	cmd := &cobra.Command{
		Use:   "request NAME --pass-type-id PASS_TYPE_ID [--output-file FILE]",
		Short: "Make the private key (in a Secret) and the certificate signing request to upload to Apple",
		Example: `  kubectl wallet certificate request membership --pass-type-id pass.com.example.membership --output-file membership.csr
  kubectl wallet certificate request membership --renew --output-file membership-2027.csr`,
		Args: cobra.ExactArgs(1),
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&passType, "pass-type-id", "", "The Pass Type ID registered in the Apple developer portal (pass.com.example.x); with --renew, the current certificate's.")
	cli.OutputFileFlag(cmd, &out, "Write the CSR here (default: standard output).")
	cmd.Flags().StringVar(&secret, "secret", "", "The Secret for the key (default NAME-tls).")
	cmd.Flags().StringVar(&email, "email", "", "An e-mail address for the request, as Keychain's Certificate Assistant asks (Apple does not require it).")
	cmd.Flags().BoolVar(&renew, "renew", false, "Renew the PassCertificate's certificate: a new key beside the current one, which keeps signing until import.")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, ns, err := kube.Client()
		if err != nil {
			return err
		}
		r := requester{c: c, ns: ns, name: args[0], secret: secret, passType: passType, email: email}
		var req *certs.Request
		if renew {
			req, err = r.renew(cmd.Context())
		} else {
			req, err = r.request(cmd.Context())
		}
		if err != nil {
			return err
		}
		return writeCSR(cmd, out, req.CSRPEM, r)
	}
	return cmd
}

type requester struct {
	c                                 client.Client
	ns, name, secret, passType, email string
}

func (r *requester) secretName() string {
	if r.secret != "" {
		return r.secret
	}
	return r.name + "-tls"
}

// request makes the key into a new Secret and the PassCertificate using it.
func (r *requester) request(ctx context.Context) (*certs.Request, error) {
	if r.passType == "" {
		return nil, cli.Usagef("--pass-type-id is required: the Pass Type ID registered with Apple, such as pass.com.example.membership")
	}
	if !strings.HasPrefix(r.passType, "pass.") {
		return nil, cli.Usagef("--pass-type-id %q does not start with pass.: Apple's Pass Type IDs look like pass.com.example.membership", r.passType)
	}
	pc := &walletv1.PassCertificate{}
	if err := r.c.Get(ctx, client.ObjectKey{Namespace: r.ns, Name: r.name}, pc); err == nil {
		return nil, fmt.Errorf("PassCertificate %s/%s exists: to replace its certificate, run request --renew", r.ns, r.name)
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	req, err := certs.NewRequest(r.passType, r.email)
	if err != nil {
		return nil, err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: r.secretName(),
			Annotations: map[string]string{walletv1.AnnotationRequestedPassType: r.passType}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{walletv1.SecretKeyPrivateKey: req.KeyPEM},
	}
	if err := r.c.Create(ctx, s); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("Secret %s/%s exists: name another with --secret, or delete it if it is an abandoned request", r.ns, s.Name)
		}
		return nil, fmt.Errorf("create Secret %s/%s for the key: %w", r.ns, s.Name, err)
	}
	pc = &walletv1.PassCertificate{
		ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: r.name},
		Spec:       walletv1.PassCertificateSpec{SecretRef: walletv1.LocalObjectReference{Name: s.Name}},
	}
	if err := r.c.Create(ctx, pc); err != nil {
		return nil, fmt.Errorf("create PassCertificate %s/%s (the key is in Secret %s): %w", r.ns, r.name, s.Name, err)
	}
	return req, nil
}

// renew adds a renewal key beside the PassCertificate's current one.
func (r *requester) renew(ctx context.Context) (*certs.Request, error) {
	s, pc, err := secretOf(ctx, r.c, r.ns, r.name)
	if err != nil {
		return nil, err
	}
	r.secret = s.Name
	if r.passType == "" {
		r.passType = pc.Status.PassTypeIdentifier
	}
	if r.passType == "" {
		r.passType = s.Annotations[walletv1.AnnotationRequestedPassType]
	}
	if r.passType == "" {
		return nil, cli.Usagef("PassCertificate %s/%s reports no pass type identifier yet: give --pass-type-id", r.ns, r.name)
	}
	if len(s.Data[walletv1.SecretKeyRenewalKey]) > 0 {
		return nil, fmt.Errorf("Secret %s/%s already holds a renewal's key (%s): import its certificate, or remove that key to start over", r.ns, s.Name, walletv1.SecretKeyRenewalKey)
	}
	req, err := certs.NewRequest(r.passType, r.email)
	if err != nil {
		return nil, err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[walletv1.SecretKeyRenewalKey] = req.KeyPEM
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[walletv1.AnnotationRequestedPassType] = r.passType
	if err := r.c.Update(ctx, s); err != nil {
		return nil, fmt.Errorf("add the renewal key to Secret %s/%s: %w", r.ns, s.Name, err)
	}
	return req, nil
}

func writeCSR(cmd *cobra.Command, out string, csr []byte, r requester) error {
	next := fmt.Sprintf("upload it to Apple (Certificates, Identifiers & Profiles > Identifiers > %s > Create Certificate), download pass.cer, then: kubectl wallet certificate import %s pass.cer", r.passType, r.name)
	if out == "" {
		if _, err := cmd.OutOrStdout().Write(csr); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "The key is in Secret %s/%s. The CSR is above: %s\n", r.ns, r.secretName(), next)
		return nil
	}
	if err := os.WriteFile(out, csr, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "The key is in Secret %s/%s, the CSR in %s: %s\n", r.ns, r.secretName(), out, next)
	return nil
}

func importCommand() *cobra.Command {
	var intermediateFile, passwordFile string
	cmd := &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Add the certificate Apple issued (pass.cer, DER or PEM; or a Keychain .p12) to a PassCertificate's Secret",
		Example: `  kubectl wallet certificate import membership pass.cer
  kubectl wallet certificate import membership membership.p12 --password-file p12-password.txt`,
		Args: cobra.ExactArgs(2),
	}
	kube := cli.AddKubeFlags(cmd)
	cmd.Flags().StringVar(&intermediateFile, "intermediate", "", "PEM of the intermediate that issued the certificate, for chains that are not Apple's (development, tests); Apple's are built in.")
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "File holding the .p12's password (a .p12 is read when this is given or FILE ends in .p12).")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		name, file := args[0], args[1]
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var intermediate *x509.Certificate
		if intermediateFile != "" {
			raw, err := os.ReadFile(intermediateFile)
			if err != nil {
				return err
			}
			if intermediate, err = certs.ParseCertificate(raw); err != nil {
				return fmt.Errorf("--intermediate %s: %w", intermediateFile, err)
			}
		}
		c, ns, err := kube.Client()
		if err != nil {
			return err
		}
		s, _, err := secretOf(cmd.Context(), c, ns, name)
		if err != nil {
			return err
		}
		want := s.Annotations[walletv1.AnnotationRequestedPassType]
		var id *certs.Identity
		renewal := false
		if passwordFile != "" || strings.HasSuffix(strings.ToLower(file), ".p12") {
			password, err := readPassword(passwordFile)
			if err != nil {
				return err
			}
			if id, err = certs.CompletePKCS12(data, password, want, intermediate); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
		} else {
			cert, err := certs.ParseCertificate(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			id, renewal, err = complete(s, cert, intermediate, want)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
		}
		if err := store(cmd.Context(), c, s, id); err != nil {
			return err
		}
		what := "imported"
		if renewal {
			what = "renewed: the new certificate and key replace the old ones, and passes are re-signed with them"
		}
		f := certs.FactsOf(id)
		fmt.Fprintf(cmd.OutOrStdout(), "PassCertificate %s/%s %s (%s, team %s, valid until %s). Check it with: kubectl wallet status\n",
			ns, name, what, f.PassTypeIdentifier, f.TeamIdentifier, f.NotAfter.UTC().Format("2006-01-02"))
		return nil
	}
	return cmd
}

// complete matches cert with the renewal's key first (an import after
// request --renew), then with the current one.
func complete(s *corev1.Secret, cert, intermediate *x509.Certificate, want string) (*certs.Identity, bool, error) {
	if key := s.Data[walletv1.SecretKeyRenewalKey]; len(key) > 0 {
		id, err := certs.Complete(key, cert, intermediate, want)
		if err == nil {
			return id, true, nil
		}
		if !errors.Is(err, certs.ErrNotForThisKey) {
			return nil, false, err
		}
	}
	key := s.Data[walletv1.SecretKeyPrivateKey]
	if len(key) == 0 {
		return nil, false, fmt.Errorf("Secret %s/%s holds no key: run kubectl wallet certificate request first, or import a .p12", s.Namespace, s.Name)
	}
	id, err := certs.Complete(key, cert, intermediate, want)
	if errors.Is(err, certs.ErrNotForThisKey) {
		return nil, false, fmt.Errorf("it was not issued for the key in Secret %s/%s (was its CSR made by another request?)", s.Namespace, s.Name)
	}
	return id, false, err
}

// store replaces the Secret's identity in one update: the manager never
// sees a certificate beside the wrong key.
func store(ctx context.Context, c client.Client, s *corev1.Secret, id *certs.Identity) error {
	data, err := id.SecretData()
	if err != nil {
		return err
	}
	for _, k := range []string{walletv1.SecretKeyRenewalKey, walletv1.SecretKeyPKCS12, walletv1.SecretKeyPKCS12Password, walletv1.SecretKeyDevelopmentRoot} {
		delete(s.Data, k)
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range data {
		s.Data[k] = v
	}
	if err := c.Update(ctx, s); err != nil {
		return fmt.Errorf("update Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return nil
}

func secretOf(ctx context.Context, c client.Client, ns, name string) (*corev1.Secret, *walletv1.PassCertificate, error) {
	pc := &walletv1.PassCertificate{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, fmt.Errorf("PassCertificate %s/%s does not exist: run kubectl wallet certificate request %s --pass-type-id ... first", ns, name, name)
		}
		return nil, nil, err
	}
	s := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: pc.Spec.SecretRef.Name}, s); err != nil {
		return nil, nil, fmt.Errorf("the Secret %s/%s of PassCertificate %s: %w", ns, pc.Spec.SecretRef.Name, name, err)
	}
	return s, pc, nil
}

func readPassword(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}
