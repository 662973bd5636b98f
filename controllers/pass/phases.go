package pass

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/phases"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/render"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// resolveTemplate needs the template to exist and be Ready for its current
// generation, and compiles it against its stored shared files.
func (r *Reconciler) resolveTemplate(ctx context.Context, s *scope) error {
	p := s.pass
	tpl := &walletv1.PassTemplate{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl)
	if apierrors.IsNotFound(err) {
		return shared.NotReady(walletv1.ReasonTemplateNotFound, "spec.templateRef", "PassTemplate %s does not exist: create it or fix the reference", p.Spec.TemplateRef.Name)
	}
	if err != nil {
		return err
	}
	ready := status.Ready(tpl.Status.Conditions)
	switch {
	case ready == nil || ready.ObservedGeneration != tpl.Generation:
		return errWaiting // the template's update will bring this pass back
	case ready.Status != metav1.ConditionTrue:
		return shared.NotReady(walletv1.ReasonTemplateNotReady, "spec.templateRef", "PassTemplate %s is not Ready (%s: %s)", tpl.Name, ready.Reason, ready.Message)
	}
	compiled, _, err := r.Sources.CompiledTemplate(ctx, tpl)
	if err != nil {
		return err
	}
	s.template, s.compiled = tpl, compiled
	p.Status.PassTypeIdentifier = tpl.Status.PassTypeIdentifier
	return nil
}

// resolveCertificate loads the signing identity and checks it can sign now.
func (r *Reconciler) resolveCertificate(ctx context.Context, s *scope) error {
	cert := &walletv1.PassCertificate{}
	name := s.template.Spec.CertificateRef.Name
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: s.pass.Namespace, Name: name}, cert); err != nil {
		if apierrors.IsNotFound(err) {
			return shared.NotReady(walletv1.ReasonTemplateNotReady, "spec.templateRef", "PassCertificate %s of template %s does not exist", name, s.template.Name)
		}
		return err
	}
	id, err := r.Sources.Identity(ctx, cert)
	if err == nil {
		_, err = certs.Inspect(id, s.now)
	}
	if err != nil {
		if _, ok := err.(*certs.Problem); !ok {
			return err
		}
		return shared.NotReady(walletv1.ReasonTemplateNotReady, "spec.templateRef", "PassCertificate %s cannot sign (%s): %v", name, certs.ReasonOf(err), err)
	}
	s.cert, s.identity = cert, id
	return nil
}

// checkSerial keeps serial numbers unique per pass type identifier across
// the cluster: the oldest pass keeps the serial, later ones conflict.
func (r *Reconciler) checkSerial(ctx context.Context, s *scope) error {
	var list walletv1.PassList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.PassSerial.Name: s.pass.Spec.SerialNumber}); err != nil {
		return err
	}
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == s.pass.UID || !olderThan(other, s.pass) {
			continue
		}
		ptid, err := r.passTypeOf(ctx, other)
		if err != nil {
			return err
		}
		if ptid != s.pass.Status.PassTypeIdentifier {
			continue
		}
		// Another namespace's pass is not named: namespaces do not learn
		// of each other's passes.
		holder := "a Pass in another namespace"
		if other.Namespace == s.pass.Namespace {
			holder = "Pass " + other.Name
		}
		return shared.NotReady(walletv1.ReasonSerialConflict, "spec.serialNumber",
			"%s already uses serial number %s for %s: serial numbers are unique per pass type; choose another", holder, s.pass.Spec.SerialNumber, ptid)
	}
	return nil
}

func olderThan(a, b *walletv1.Pass) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// passTypeOf is the pass type identifier another pass is (or will be)
// signed for.
func (r *Reconciler) passTypeOf(ctx context.Context, p *walletv1.Pass) (string, error) {
	if p.Status.PassTypeIdentifier != "" {
		return p.Status.PassTypeIdentifier, nil
	}
	tpl := &walletv1.PassTemplate{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl); err != nil {
		return "", client.IgnoreNotFound(err)
	}
	return tpl.Status.PassTypeIdentifier, nil
}

// render renders the pass's own files (anonymized, or voided and
// anonymized when it is being deleted) and its whole bundle with the
// template's shared files, and the content digest they and the signing
// certificate make.
func (r *Reconciler) render(ctx context.Context, s *scope) error {
	p := s.pass
	facts := certs.FactsOf(s.identity)
	opts := render.Options{
		PassTypeIdentifier: facts.PassTypeIdentifier, TeamIdentifier: facts.TeamIdentifier,
		Development: r.Options.Development, Now: s.now,
	}
	if r.Options.WebServiceURL != "" {
		opts.WebServiceURL = r.Options.WebServiceURL
		opts.AuthenticationToken = r.Options.Tokens.Authentication(p.Namespace, facts.PassTypeIdentifier, p.Spec.SerialNumber)
	}
	rendered := p
	if p.Spec.Anonymized || s.deleting {
		opts.Anonymize = true
		if p.Status.Barcode != nil {
			opts.KeptBarcodeMessage = p.Status.Barcode.Message
		}
	}
	if s.deleting {
		rendered = p.DeepCopy()
		rendered.Spec.Voided = true // the final version devices keep
	}
	own, err := s.compiled.Render(rendered, r.Sources.ImageSource(ctx, p.Namespace, p.Annotations[walletv1.AnnotationRefetchImagesAt]), opts)
	if err != nil {
		return err
	}
	if s.passJSON, err = passjson.Parse(own[pkpass.PassJSON]); err != nil {
		return err
	}
	_, sharedFiles, err := r.Sources.CompiledTemplate(ctx, s.template)
	if err != nil {
		return err
	}
	s.own, s.full = own, pkpass.Merge(sharedFiles, own)
	s.digest = pkpass.ContentDigest(s.full, facts.Fingerprint)
	s.passType, s.anonymized = facts.PassTypeIdentifier, opts.Anonymize
	return nil
}

// reuseStored stops the signing when the store holds a bundle of this
// content: the status says so already, or lags behind the store (a stale
// cache, a lost status write) and is restored from its record. Either way,
// nothing is signed again; a bundle deleted behind the operator's back, or
// one the web service reported damaged, is.
func (r *Reconciler) reuseStored(ctx context.Context, s *scope) error {
	p := s.pass
	reported := false
	if b := p.Status.Bundle; b != nil && b.Damaged != "" {
		// The web service could not read it: it goes, and is signed again.
		r.Recorder.Eventf(p, corev1.EventTypeWarning, "BundleDamaged", "the stored bundle is %s; signing and storing it again", b.Damaged)
		reported = true
		if err := r.Sources.Store.DeletePass(ctx, p, nil, false); err != nil {
			return storeUnavailable(err)
		}
		p.Status.Bundle.Damaged = ""
	}
	stored, err := r.Sources.Store.Stored(ctx, p, s.digest)
	if err != nil {
		return storeUnavailable(err)
	}
	if stored == nil {
		if !reported && p.Status.Bundle != nil && p.Status.Bundle.ContentDigest == s.digest && !s.deleting {
			// The status names a bundle of this content the store does not
			// hold: deleted behind the operator's back, noticed here before
			// the web service did.
			r.Recorder.Eventf(p, corev1.EventTypeWarning, "BundleDamaged", "the stored bundle is missing; signing and storing it again")
		}
		return nil
	}
	stored.PassTypeIdentifier = s.passType
	if b := p.Status.Bundle; b != nil && b.ContentDigest == s.digest && b.Key != "" {
		// The digest covers the signing certificate: a bundle recorded
		// before bundles named their pass type was signed for this one.
		b.PassTypeIdentifier = s.passType
		return phases.Stop
	}
	p.Status.Bundle = stored
	return phases.Stop
}

// sign signs the whole bundle (manifest and detached signature) and zips
// it.
func (r *Reconciler) sign(_ context.Context, s *scope) error {
	start := time.Now()
	signed, err := pkpass.SignFiles(s.full, s.identity)
	if err != nil {
		return shared.NotReady(walletv1.ReasonSigningFailed, "", "signing failed: %v", err)
	}
	if s.zipped, err = pkpass.Zip(signed.Files); err != nil {
		return err
	}
	signingSeconds.Observe(time.Since(start).Seconds())
	for _, name := range []string{pkpass.ManifestJSON, pkpass.Signature} {
		s.own[name] = signed.Files[name]
	}
	s.digest = signed.ContentDigest
	return nil
}

// store keeps the pass's own files in the store and records the bundle in
// its status; earlier versions go.
func (r *Reconciler) store(ctx context.Context, s *scope) error {
	p := s.pass
	sum := sha256.Sum256(s.zipped)
	// Last-Modified (whole seconds in HTTP) moves forward with every new
	// content, even two signings within one second: a device that fetched
	// between them must not be answered 304.
	now := metav1.NewTime(s.now.Truncate(time.Second))
	if prev := p.Status.Bundle; prev != nil && prev.LastModified != nil && !now.After(prev.LastModified.Time) {
		now = metav1.NewTime(prev.LastModified.Add(time.Second))
	}
	record := &walletv1.BundleStatus{
		SharedKey: s.template.Status.SharedBundle, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(s.zipped)),
		ContentDigest: s.digest, LastModified: &now, Revision: s.now.UnixNano(),
		PassTypeIdentifier: s.passType, Anonymized: s.anonymized,
	}
	// A bundle the store refuses is a verdict, not a retry: the last good
	// bundle stays served until the pass changes.
	key, err := r.Sources.Store.PutPass(ctx, p, s.own, record)
	var tooLarge *bundle.TooLargeError
	if errors.As(err, &tooLarge) {
		return shared.NotReady(walletv1.ReasonBundleTooLarge, "spec.data", "%s: make its data, field overrides or image overrides smaller", tooLarge.Error())
	}
	if err != nil {
		return storeUnavailable(err)
	}
	// Earlier versions go: gracefully (a reader may be loading the one the
	// status still names), but at once when they held personal data.
	keep := []string{key}
	if prev := p.Status.Bundle; prev != nil && !s.anonymized {
		keep = append(keep, prev.Key)
	}
	if err := r.Sources.Store.DeletePass(ctx, p, keep, !s.anonymized); err != nil {
		if s.anonymized {
			return storeUnavailable(err) // personal data must not stay behind
		}
		// Stored and served; the old objects go with the next signing.
		ctrl.LoggerFrom(ctx).Error(err, "delete old bundle objects")
	}
	bundlesSigned.Inc()
	p.Status.Bundle = record
	return nil
}

// storeUnavailable is a store that could not be reached or refused: the
// pass says so and the reconcile is retried with backoff.
func storeUnavailable(err error) error {
	verdict := shared.NotReady(walletv1.ReasonStoreUnavailable, "", "the bundle store failed (%v); storing is retried", err)
	verdict.Retry = true
	return verdict
}

func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}
