// Package render is the `wallet-operator render` subcommand: it renders and
// signs a Pass from the same manifests a user applies, exactly as the
// controller does, without a cluster.
package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/cli"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/manifests"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	passrender "github.com/wallet-operator/wallet-operator/internal/render"
)

// Command returns the `render` subcommand.
func Command() *cobra.Command {
	var (
		files, kustomizations            []string
		passName, out, webServiceURL, ns string
		development, google              bool
	)
	cmd := &cobra.Command{
		Use:   "render -f DIR|FILE... | -k DIR... [--pass NAME] --output-file FILE",
		Short: "render and sign a Pass from manifest files into a .pkpass",
		Long: "Render and sign a Pass from manifest files (Secrets, ConfigMaps, PassCertificate, PassTemplates, Passes), " +
			"without a cluster: what the manager would sign.",
		Example: `  wallet-operator render -f config/samples --pass james-smith-pd123 --output-file james.pkpass
  kubectl wallet render -f config/samples --pass member-tom --output-file tom.pkpass
  wallet-operator render -f config/samples --pass coffee-coupon-0001 --output-file coupon.pkpass --google-wallet
  wallet-operator render -k config/samples -k config/samples/modern --pass festival-jana --output-file jana.pkpass`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if len(files)+len(kustomizations) == 0 || out == "" {
				return cli.Usagef("-f or -k, and --output-file, are required")
			}
			return run(sources{files: files, kustomizations: kustomizations}, ns, out, Request{PassName: passName, WebServiceURL: webServiceURL, Development: development, Now: time.Now(), GoogleWallet: google})
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&files, "filename", "f", nil, "A YAML file or directory of manifests (Secrets, ConfigMaps, PassCertificate, PassTemplates, Passes); repeatable.")
	f.StringArrayVarP(&kustomizations, "kustomize", "k", nil, "A kustomization directory, built as kubectl apply -k would (resources, components, generators, patches); repeatable.")
	f.StringVar(&passName, "pass", "", "Name of the Pass to render; may be omitted when the files hold one Pass.")
	cli.OutputFileFlag(cmd, &out, "Where to write the .pkpass.")
	f.StringVar(&webServiceURL, "webservice-url", "", "Web service URL written into the pass (with a generated authentication token). Without it the pass has no web service fields.")
	f.BoolVar(&development, "development", false, "Development mode: allow an http web service URL.")
	f.BoolVar(&google, "google-wallet", false, "Also print the pass as a Google Wallet class and object (JSON) and its save link, signed with a development key.")
	f.StringVarP(&ns, "namespace", "n", "default", "Namespace of the manifests that name none, as kubectl apply would put them.")
	return cmd
}

func run(src sources, namespace, out string, req Request) error {
	objs, err := load(src, namespace)
	if err != nil {
		return err
	}
	bundle, note, err := Render(objs, req)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	data, err := pkpass.Zip(bundle.Files)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes, content %s)\n", out, len(data), bundle.ContentDigest)
	if req.GoogleWallet {
		return printGoogleWallet(os.Stdout, objs, req, bundle.Files)
	}
	return nil
}

// printGoogleWallet prints the pass as a Google Wallet class and object,
// mapped from the pass.json just rendered, and a development save link.
func printGoogleWallet(w io.Writer, objs *Objects, req Request, files pkpass.Files) error {
	p, err := pickPass(objs, req.PassName)
	if err != nil {
		return err
	}
	tpl := find(objs.Templates, p.Namespace, p.Spec.TemplateRef.Name).DeepCopy()
	if tpl.Spec.GoogleWallet == nil {
		fmt.Fprintf(os.Stderr, "PassTemplate %s has no spec.googleWallet: using the example issuer %s\n", tpl.Name, exampleIssuer)
		tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: exampleIssuer}
	}
	pj, err := passjson.Parse(files[pkpass.PassJSON])
	if err != nil {
		return err
	}
	mapped, err := googlewallet.Map(googlewallet.Input{
		Pass: pj, Vertical: googlewallet.VerticalOf(tpl), ClassID: googlewallet.ClassID(tpl), ObjectID: googlewallet.ObjectID("", tpl, p),
		TransitType: tpl.Spec.TransitType, Localizations: tpl.Spec.Localizations, ImageURL: func(name string) string {
			if data, ok := files[name]; ok && req.WebServiceURL != "" {
				return strings.TrimSuffix(req.WebServiceURL, "/") + googlewallet.ImagePath(tpl.Namespace, tpl.Name, name, data)
			}
			return ""
		},
	})
	if err != nil {
		return fmt.Errorf("Pass %s as a Google Wallet object: %w", p.Name, err)
	}
	signer, err := googlewallet.NewDevelopmentSigner()
	if err != nil {
		return err
	}
	link, err := signer.SaveURL(mapped, nil, true, req.Now)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(map[string]any{"vertical": mapped.Vertical, "class": mapped.Class, "object": mapped.Object, "saveURL": link}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(out))
	return err
}

// exampleIssuer stands in for a template's issuer when it names none.
const exampleIssuer = "3388000000022222222"

// Objects are the manifests read from files, by kind.
type Objects struct {
	Secrets      []corev1.Secret
	ConfigMaps   []corev1.ConfigMap
	Certificates []walletv1.PassCertificate
	Templates    []walletv1.PassTemplate
	Passes       []walletv1.Pass
}

// load reads the manifests of paths; one that names no namespace is in
// namespace, as kubectl apply would put it.
// sources are where render reads manifests: -f files and directories, -k
// kustomizations.
type sources struct {
	files, kustomizations []string
}

func load(src sources, namespace string) (*Objects, error) {
	var all []*unstructured.Unstructured
	for _, dir := range src.kustomizations {
		objs, err := manifests.ReadKustomization(dir)
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
	}
	for _, p := range src.files {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		files := []string{p}
		if info.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, err
			}
			files = nil
			for _, e := range entries {
				if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			objs, err := manifests.ReadFile(f)
			if err != nil {
				return nil, err
			}
			all = append(all, objs...)
		}
	}
	for _, u := range all {
		if u.GetNamespace() == "" {
			u.SetNamespace(namespace)
		}
	}
	return Sort(all)
}

// Sort converts objects to the kinds render needs, refusing unknown fields
// as the API server does; other kinds (and kustomization files) are
// ignored.
func Sort(objs []*unstructured.Unstructured) (*Objects, error) {
	o := &Objects{}
	for _, u := range objs {
		var target any
		switch u.GroupVersionKind().GroupKind().String() {
		case "Secret":
			o.Secrets = append(o.Secrets, corev1.Secret{})
			target = &o.Secrets[len(o.Secrets)-1]
		case "ConfigMap":
			o.ConfigMaps = append(o.ConfigMaps, corev1.ConfigMap{})
			target = &o.ConfigMaps[len(o.ConfigMaps)-1]
		case "PassCertificate.passes.wallet-operator.io":
			o.Certificates = append(o.Certificates, walletv1.PassCertificate{})
			target = &o.Certificates[len(o.Certificates)-1]
		case "PassTemplate.passes.wallet-operator.io":
			o.Templates = append(o.Templates, walletv1.PassTemplate{})
			target = &o.Templates[len(o.Templates)-1]
		case "Pass.passes.wallet-operator.io":
			o.Passes = append(o.Passes, walletv1.Pass{})
			target = &o.Passes[len(o.Passes)-1]
		default:
			continue
		}
		// Strict, as the API server decodes: a misspelled or not yet
		// modelled key is an error, not silently left out of the pass.
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, target, true); err != nil {
			if runtime.IsStrictDecodingError(err) {
				return nil, fmt.Errorf("%s %s: %w (the API server refuses it too: fix the key's name; for a pass.json key the CRD does not model, use spec.passJSON)", u.GetKind(), u.GetName(), err)
			}
			return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return o, nil
}

// Request says which pass to render and how.
type Request struct {
	// PassName may be empty when objs hold one Pass.
	PassName string
	// WebServiceURL, when set, is written into the pass with
	// AuthenticationToken (generated when empty).
	WebServiceURL       string
	AuthenticationToken string
	Development         bool
	// Now is the time certificates are checked at.
	Now time.Time
	// GoogleWallet: run prints the Google Wallet class, object and save link.
	GoogleWallet bool
}

// Render renders and signs one Pass of objs as the controller does. When
// the certificate's Secret is absent and the certificate asks for a
// development chain, one is generated for this run and note says so.
func Render(objs *Objects, req Request) (*pkpass.Signed, string, error) {
	now := req.Now
	pass, err := pickPass(objs, req.PassName)
	if err != nil {
		return nil, "", err
	}
	tpl := find(objs.Templates, pass.Namespace, pass.Spec.TemplateRef.Name)
	if tpl == nil {
		return nil, "", fmt.Errorf("Pass %s: spec.templateRef names PassTemplate %q, which is not in the files: add its manifest with -f", pass.Name, pass.Spec.TemplateRef.Name)
	}
	cert := find(objs.Certificates, tpl.Namespace, tpl.Spec.CertificateRef.Name)
	if cert == nil {
		return nil, "", fmt.Errorf("PassTemplate %s: spec.certificateRef names PassCertificate %q, which is not in the files: add its manifest with -f", tpl.Name, tpl.Spec.CertificateRef.Name)
	}
	id, note, err := identity(objs, cert)
	if err != nil {
		return nil, "", err
	}
	facts, err := certs.Inspect(id, now)
	if err != nil {
		return nil, "", fmt.Errorf("PassCertificate %s (%s): %w", cert.Name, certs.ReasonOf(err), err)
	}
	src := imageSource(objs, tpl.Namespace)
	compiled, err := passrender.CompileTemplate(tpl, src)
	if err != nil {
		return nil, "", fmt.Errorf("PassTemplate %s: %w", tpl.Name, err)
	}
	opts := passrender.Options{
		PassTypeIdentifier: facts.PassTypeIdentifier, TeamIdentifier: facts.TeamIdentifier,
		Development: req.Development, Now: now,
	}
	if req.WebServiceURL != "" {
		opts.WebServiceURL, opts.AuthenticationToken = req.WebServiceURL, req.AuthenticationToken
		if opts.AuthenticationToken == "" {
			opts.AuthenticationToken = passrender.NewAuthenticationToken()
		}
	}
	files, err := compiled.Render(pass, src, opts)
	if err != nil {
		return nil, "", fmt.Errorf("Pass %s: %w", pass.Name, err)
	}
	signed, err := pkpass.SignFiles(pkpass.Merge(compiled.Shared(), files), id)
	if err != nil {
		return nil, "", fmt.Errorf("Pass %s: %w", pass.Name, err)
	}
	return signed, note, nil
}

func pickPass(objs *Objects, name string) (*walletv1.Pass, error) {
	var names []string
	for i := range objs.Passes {
		if objs.Passes[i].Name == name {
			return &objs.Passes[i], nil
		}
		names = append(names, objs.Passes[i].Name)
	}
	switch {
	case name != "":
		return nil, fmt.Errorf("no Pass named %q in the files (found: %s)", name, strings.Join(names, ", "))
	case len(objs.Passes) == 1:
		return &objs.Passes[0], nil
	case len(objs.Passes) == 0:
		return nil, errors.New("the files hold no Pass: add one with -f")
	default:
		return nil, fmt.Errorf("the files hold %d Passes: choose one with --pass (%s)", len(names), strings.Join(names, ", "))
	}
}

type named interface {
	GetName() string
	GetNamespace() string
}

func find[T any, P interface {
	*T
	named
}](items []T, namespace, name string) P {
	for i := range items {
		p := P(&items[i])
		if p.GetName() == name && p.GetNamespace() == namespace {
			return p
		}
	}
	return nil
}

func identity(objs *Objects, cert *walletv1.PassCertificate) (*certs.Identity, string, error) {
	if secret := find(objs.Secrets, cert.Namespace, cert.Spec.SecretRef.Name); secret != nil {
		data := map[string][]byte{}
		for k, v := range secret.Data {
			data[k] = v
		}
		for k, v := range secret.StringData {
			data[k] = []byte(v)
		}
		id, err := certs.FromSecretData(data)
		if err != nil {
			return nil, "", fmt.Errorf("Secret %s of PassCertificate %s: %w", secret.Name, cert.Name, err)
		}
		return id, "", nil
	}
	if cert.Spec.SelfSigned == nil {
		return nil, "", fmt.Errorf("PassCertificate %s: spec.secretRef names Secret %q, which is not in the files: add it with -f", cert.Name, cert.Spec.SecretRef.Name)
	}
	chain, err := certs.GenerateDevelopmentChain(certs.DevelopmentOptions{
		PassTypeIdentifier: cert.Spec.SelfSigned.PassTypeIdentifier,
		TeamIdentifier:     cert.Spec.SelfSigned.TeamIdentifier,
	})
	if err != nil {
		return nil, "", err
	}
	return chain.Identity, fmt.Sprintf("note: Secret %s is not in the files; signed with a new development chain for %s (no real device trusts it)",
		cert.Spec.SecretRef.Name, cert.Spec.SelfSigned.PassTypeIdentifier), nil
}

func imageSource(objs *Objects, namespace string) passrender.ImageSource {
	return func(img walletv1.Image) ([]byte, error) {
		switch {
		case img.ConfigMapKeyRef != nil:
			ref := img.ConfigMapKeyRef
			cm := find(objs.ConfigMaps, namespace, ref.Name)
			if cm == nil {
				return nil, fmt.Errorf("ConfigMap %q is not in the files", ref.Name)
			}
			if b, ok := cm.BinaryData[ref.Key]; ok {
				return b, nil
			}
			if s, ok := cm.Data[ref.Key]; ok {
				return []byte(s), nil
			}
			return nil, fmt.Errorf("ConfigMap %s has no key %q (keys: %s)", ref.Name, ref.Key, strings.Join(configMapKeys(cm), ", "))
		case img.SecretKeyRef != nil:
			ref := img.SecretKeyRef
			s := find(objs.Secrets, namespace, ref.Name)
			if s == nil {
				return nil, fmt.Errorf("Secret %q is not in the files", ref.Name)
			}
			if b, ok := s.Data[ref.Key]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("Secret %s has no key %q", ref.Name, ref.Key)
		case img.URL != "":
			// render is offline: only the manager fetches.
			return nil, fmt.Errorf("%s is fetched by the manager in a cluster, not by render: for a local render, put the PNG in a ConfigMap in the files", img.URL)
		}
		return nil, errors.New("the image names neither a ConfigMap nor a Secret key")
	}
}

func configMapKeys(cm *corev1.ConfigMap) []string {
	var keys []string
	for k := range cm.BinaryData {
		keys = append(keys, k)
	}
	for k := range cm.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
