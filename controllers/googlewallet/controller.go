// Package googlewallet keeps a Google Wallet template a class and every
// pass of it an object of the class, with two controllers: the class
// controller (PassTemplates) sends the class, the object controller
// (Passes) sends each object once its class is there and signs its save
// link. Both map from the pass.json of a signed Apple bundle and send only
// when the mapped content changed. Apple's Ready never depends on them:
// they only write status.googleWallet.
package googlewallet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/controllers/shared"
	gw "github.com/wallet-operator/wallet-operator/internal/googlewallet"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// Options configure the Google Wallet sync.
type Options struct {
	// WebServiceURL serves the template images Google fetches, receives
	// Google's callbacks, and is the save links' origin.
	WebServiceURL string
	// APIEndpoint of the Google Wallet REST API; Google's when empty.
	APIEndpoint string
	// TokenURL is the one OAuth2 token endpoint a service account key may
	// name (gw.TokenURL, Google's, when empty); a key naming another is
	// refused without a request.
	TokenURL string
	// HTTPClient carries token and API requests; gw.DefaultHTTPClient when
	// nil.
	HTTPClient *http.Client
	// RequestsPerSecond to the API, all passes together; 10 when zero.
	RequestsPerSecond float64
	// Installation names this installation in object IDs
	// (tokens.Key.Installation): two clusters may use one issuer.
	Installation string
	// ReconcileTimeout bounds one pass's sync (DefaultReconcileTimeout when
	// zero): a Google that never answers holds a worker no longer, and
	// passes waiting for the same class give up with it.
	ReconcileTimeout time.Duration
}

// DefaultReconcileTimeout is a token, a class and an object request, each
// within gw.DefaultHTTPClient's 30 s, with room to write the status.
const DefaultReconcileTimeout = 2 * time.Minute

// Reconciler syncs passes of Google Wallet templates.
type Reconciler struct {
	Client   client.Client
	Sources  *shared.Sources
	Recorder record.EventRecorder
	Options  Options
	Now      func() time.Time

	limiter *rate.Limiter
	devOnce sync.Once
	dev     *gw.Signer
	devErr  error

	mu       sync.Mutex
	accounts map[types.NamespacedName]accountEntry

	// classesSent is what this process last sent Google of each template's
	// class (by template UID: the class ID and content digest). A
	// template read from a cache that has not seen the status write after
	// a send would have the same class sent again.
	classesSent sync.Map
}

type accountEntry struct {
	resourceVersion string
	account         *gw.Account
	err             error
}

// SetupWithManager registers the class controller, which watches
// templates, their key Secrets and their passes' signings, and the object
// controller, which watches passes whose bundle, expiry or Google status
// changed, and the passes of a template whose spec or class changed.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	rps := r.Options.RequestsPerSecond
	if rps == 0 {
		rps = 10
	}
	r.limiter = rate.NewLimiter(rate.Limit(rps), max(1, int(rps)))
	r.accounts = map[types.NamespacedName]accountEntry{}
	options := controller.Options{MaxConcurrentReconciles: 2, ReconciliationTimeout: cmp.Or(r.Options.ReconcileTimeout, DefaultReconcileTimeout)}
	class := classReconciler{r}
	err := ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.PassTemplate{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(class.templatesOfClass),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&walletv1.Pass{}, handler.EnqueueRequestsFromMapFunc(class.templateOfSignedPass), builder.WithPredicates(signedAnew())).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(class.templatesOfKeySecret)).
		WithOptions(options).
		Named("googlewallet-class").
		Complete(kube.StopQuietly(reconcile.Func(class.Reconcile)))
	if err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&walletv1.Pass{}, builder.WithPredicates(passChanged())).
		Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(shared.ByIndex(r.Client, shared.PassList, index.PassTemplate)),
			builder.WithPredicates(classChanged())).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.passesOfKeySecret)).
		WithOptions(options).
		Named("googlewallet").
		Complete(kube.StopQuietly(r))
}

// passesOfKeySecret: a service account key Secret changed (a key fixed or
// rotated), so its templates' passes are synced again.
func (r *Reconciler) passesOfKeySecret(ctx context.Context, secret client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, tpl := range r.templatesUsingKey(ctx, secret) {
		reqs = append(reqs, shared.ByIndex(r.Client, shared.PassList, index.PassTemplate)(ctx, tpl)...)
	}
	return reqs
}

// templatesUsingKey are the templates in the Secret's namespace whose
// service account key it holds.
func (r *Reconciler) templatesUsingKey(ctx context.Context, secret client.Object) []*walletv1.PassTemplate {
	var templates walletv1.PassTemplateList
	if err := r.Client.List(ctx, &templates, client.InNamespace(secret.GetNamespace())); err != nil {
		return nil
	}
	var out []*walletv1.PassTemplate
	for i := range templates.Items {
		g := templates.Items[i].Spec.GoogleWallet
		if g != nil && g.ServiceAccountKeySecretRef != nil && g.ServiceAccountKeySecretRef.Name == secret.GetName() {
			out = append(out, &templates.Items[i])
		}
	}
	return out
}

// passChanged passes what changes a pass's object: its signed content, its
// expiry, a status this controller has not written yet.
func passChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld.(*walletv1.Pass), e.ObjectNew.(*walletv1.Pass)
		return digestOf(o) != digestOf(n) || o.Status.Expired != n.Status.Expired || (n.Status.GoogleWallet == nil) != (o.Status.GoogleWallet == nil) ||
			(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil)
	}}
}

func digestOf(p *walletv1.Pass) string {
	if p.Status.Bundle == nil {
		return ""
	}
	return p.Status.Bundle.ContentDigest
}

// Reconcile maps the pass and its class, sends what changed, and signs the
// save link.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := &walletv1.Pass{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	tpl := &walletv1.PassTemplate{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: p.Namespace, Name: p.Spec.TemplateRef.Name}, tpl)
	if client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	if !p.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, p, tpl)
	}
	if apierrors.IsNotFound(err) {
		// The template went (perhaps with its whole campaign): the status
		// keeps what voiding the object needs when the pass goes too.
		return ctrl.Result{}, nil
	}
	if tpl.Spec.GoogleWallet == nil {
		// No longer a Google Wallet pass: an object Google holds is voided
		// there first, then the status goes.
		if err := r.voidAtGoogle(ctx, p, tpl); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.removeFinalizer(ctx, p); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.patchPass(ctx, p, nil)
	}
	want := p.Status.GoogleWallet.DeepCopy()
	if want == nil {
		want = &walletv1.GoogleWalletObjectStatus{}
	}
	if tpl.Spec.GoogleWallet.ServiceAccountKeySecretRef != nil {
		// Before anything is sent: an object Google holds is always voided
		// there when its pass is deleted (the finalizer goes at once for a
		// pass Google never had).
		if err := r.addFinalizer(ctx, p); err != nil {
			return ctrl.Result{}, err
		}
	}
	if !heldByGoogle(want) {
		// An object Google holds keeps the ID it was sent under (one made
		// before IDs named the installation and template, too).
		want.ObjectID = gw.ObjectID(r.Options.Installation, tpl, p)
	}
	return syncThenRecord(ctx,
		func(ctx context.Context) (ctrl.Result, error) { return r.sync(ctx, p, tpl, want) },
		func(ctx context.Context) error { return r.patchPass(ctx, p, want) })
}

var errNoBundle = errors.New("the pass has no signed bundle yet")

// invalidReason is the condition reason of a mapping Google would refuse.
func invalidReason(inv *gw.InvalidError) string {
	if inv.Class {
		return walletv1.ReasonClassInvalid
	}
	return walletv1.ReasonObjectInvalid
}

// syncThenRecord runs sync, then record of what it found, which says what
// happened even when sync used up the reconcile's time. Nothing is
// recorded before there is a signed bundle to map.
func syncThenRecord(ctx context.Context, sync func(context.Context) (ctrl.Result, error), record func(context.Context) error) (ctrl.Result, error) {
	result, err := sync(ctx)
	if errors.Is(err, errNoBundle) {
		return ctrl.Result{}, nil
	}
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if recordErr := record(recordCtx); recordErr != nil {
		return ctrl.Result{}, recordErr
	}
	return result, err
}

// heldByGoogle: the object was sent to Google under its recorded ID.
func heldByGoogle(s *walletv1.GoogleWalletObjectStatus) bool {
	return s != nil && s.ObjectID != "" && s.ContentDigest != "" && s.SignedBy != "" && s.SignedBy != gw.DevelopmentSigner
}

// bundleError is a signed bundle the store could not give.
type bundleError struct{ err error }

func (e *bundleError) Error() string { return "load the pass's bundle: " + e.err.Error() }

// mapPass makes the pass's class and object from the pass.json of its
// signed bundle.
func (r *Reconciler) mapPass(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate, objectID string) (*gw.Mapped, error) {
	files, err := r.Sources.Store.Load(ctx, p.Namespace, p.Status.Bundle)
	if err != nil {
		return nil, &bundleError{err}
	}
	pj, err := passjson.Parse(files[pkpass.PassJSON])
	if err != nil {
		return nil, err
	}
	return gw.Map(gw.Input{
		Pass: pj, Vertical: gw.VerticalOf(tpl), ClassID: gw.ClassID(tpl), ObjectID: objectID, TransitType: tpl.Spec.TransitType,
		CallbackURL: r.url(gw.CallbackPath), ImageURL: r.imageURL(tpl, files), Expired: p.Status.Expired, Redeemed: p.Spec.Redeemed,
		Localizations: tpl.Spec.Localizations,
	})
}

// mapWithAccount maps p for tpl (mapPass) and reads the template's
// service account. When either fails, it sets the condition that says why
// (the bundle named as bundle says, a refusal after prefix) and returns
// stop, with the error when a retry may help.
func (r *Reconciler) mapWithAccount(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate, objectID, bundle, prefix string,
	setCondition func(metav1.ConditionStatus, string, string)) (mapped *gw.Mapped, account *gw.Account, stop bool, err error) {
	mapped, err = r.mapPass(ctx, p, tpl, objectID)
	var unreadable *bundleError
	var invalid *gw.InvalidError
	switch {
	case errors.As(err, &unreadable):
		setCondition(metav1.ConditionFalse, walletv1.ReasonNotRendered, fmt.Sprintf("%s cannot be read (%v); retried", bundle, unreadable.err))
		return nil, nil, true, err
	case errors.As(err, &invalid):
		setCondition(metav1.ConditionFalse, invalidReason(invalid), prefix+err.Error())
		return nil, nil, true, nil
	case err != nil:
		return nil, nil, true, err
	}
	if account, err = r.account(ctx, tpl); err != nil {
		setCondition(metav1.ConditionFalse, walletv1.ReasonCredentialsUnreadable, err.Error())
		return nil, nil, true, nil
	}
	return mapped, account, false, nil
}

// sync fills want (the pass's status.googleWallet); an error is retried.
func (r *Reconciler) sync(ctx context.Context, p *walletv1.Pass, tpl *walletv1.PassTemplate, want *walletv1.GoogleWalletObjectStatus) (ctrl.Result, error) {
	now := r.now()
	setCondition := func(s metav1.ConditionStatus, reason, msg string) {
		status.Set(&want.Conditions, p.Generation, walletv1.ConditionGoogleWalletReady, s, reason, msg)
	}
	if p.Status.Bundle == nil {
		// The object is made from the signed bundle, whose arrival brings
		// the pass back; nothing is written meanwhile.
		return ctrl.Result{}, errNoBundle
	}
	mapped, account, stop, err := r.mapWithAccount(ctx, p, tpl, want.ObjectID, "the pass's bundle", "", setCondition)
	if stop {
		return ctrl.Result{}, err
	}
	// Sent only into a class Google has; a development link names no
	// class another template owns either.
	if ok, reason, msg := classAtGoogle(tpl); !ok && (account != nil || reason == walletv1.ReasonClassClaimed) {
		setCondition(metav1.ConditionFalse, reason, msg)
		return ctrl.Result{}, nil
	}
	signer := r.developmentSigner()
	if account != nil {
		signer = account.Signer
		// Sent by this account before (not only signed with a development
		// key): Google has it.
		sentBefore := want.ContentDigest != "" && want.SignedBy == account.Signer.Email
		if mapped.ObjectDigest() != want.ContentDigest || !sentBefore {
			if err := r.send(ctx, account, mapped.Object, sentBefore); err != nil {
				return r.apiFailed(err, false, setCondition)
			}
		}
		want.ClassID, want.Vertical = gw.ClassID(tpl), mapped.Vertical
		want.Credentials = tpl.Spec.GoogleWallet.ServiceAccountKeySecretRef.DeepCopy()
	}
	if signer == nil {
		setCondition(metav1.ConditionFalse, walletv1.ReasonCredentialsUnreadable, fmt.Sprintf("no development key: %v", r.devErr))
		return ctrl.Result{}, nil
	}
	if mapped.ObjectDigest() != want.ContentDigest || want.SignedBy != signer.Email || want.SaveURL == "" {
		// Without credentials nothing was inserted: the link carries the
		// class and object themselves.
		saveURL, err := signer.SaveURL(mapped, r.origins(), signer.Development(), now)
		if err != nil {
			return ctrl.Result{}, err
		}
		want.SaveURL, want.SignedBy, want.ContentDigest = saveURL, signer.Email, mapped.ObjectDigest()
	}
	if signer.Development() {
		setCondition(metav1.ConditionTrue, walletv1.ReasonGoogleWalletDevelopment,
			"save link signed with a development key (Google refuses it): set spec.googleWallet.serviceAccountKeySecretRef to sync with Google Wallet")
	} else {
		setCondition(metav1.ConditionTrue, walletv1.ReasonGoogleWalletSynced, "object "+want.ObjectID+" is in sync with Google Wallet")
	}
	return ctrl.Result{}, nil
}

// classOwner is the template that owns tpl's class: of the templates
// naming that class ID, in any namespace, the oldest (then by namespace
// and name), so a class suffix cannot reach another template's class.
func (r *Reconciler) classOwner(ctx context.Context, tpl *walletv1.PassTemplate) (types.UID, error) {
	var list walletv1.PassTemplateList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index.TemplateGoogleClass.Name: gw.ClassID(tpl)}, client.UnsafeDisableDeepCopy); err != nil {
		return "", err
	}
	owner := tpl
	for i := range list.Items {
		if c := &list.Items[i]; older(c, owner) {
			owner = c
		}
	}
	return owner.UID, nil
}

func older(a, b *walletv1.PassTemplate) bool {
	return shared.FirstClaim(a, b, holdsClass(a), holdsClass(b))
}

// holdsClass: the template's status records its class as its own. A
// status naming the class only to say it is another template's does not:
// with it, of two templates created within one second the one refused
// held the class too, and the tie went by name to the refused one, which
// then sent another template's class with its own content.
func holdsClass(t *walletv1.PassTemplate) bool {
	s := t.Status.GoogleWallet
	if s == nil || s.ClassID != gw.ClassID(t) {
		return false
	}
	ready := gwReady(s.Conditions)
	return ready == nil || ready.Reason != walletv1.ReasonClassClaimed
}

// apiFailed records an API failure: a refusal (4xx) stays until the pass or
// template changes, anything else is retried with backoff.
func (r *Reconciler) apiFailed(err error, class bool, set func(metav1.ConditionStatus, string, string)) (ctrl.Result, error) {
	what := "object"
	reason := walletv1.ReasonObjectInvalid
	if class {
		what, reason = "class", walletv1.ReasonClassInvalid
	}
	switch code := gw.Code(err); {
	case gw.Retryable(err):
		set(metav1.ConditionFalse, walletv1.ReasonGoogleWalletUnavailable, fmt.Sprintf("the Google Wallet API did not take the %s (%s); retried with backoff", what, gw.Message(err)))
		return ctrl.Result{}, err
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		set(metav1.ConditionFalse, walletv1.ReasonIssuerRefused, fmt.Sprintf("the issuer refused the service account (%s): grant it access in the Google Pay & Wallet Console", gw.Message(err)))
	default:
		set(metav1.ConditionFalse, reason, fmt.Sprintf("the Google Wallet API refused the %s: %s", what, gw.Message(err)))
	}
	return ctrl.Result{}, nil
}

func equalClassStatus(a, b *walletv1.GoogleWalletClassStatus) bool {
	if a == nil || b == nil {
		return a == b
	}
	ra, rb := gwReady(a.Conditions), gwReady(b.Conditions)
	return a.ClassID == b.ClassID && a.Vertical == b.Vertical && a.ContentDigest == b.ContentDigest &&
		(ra == nil) == (rb == nil) && (ra == nil || (ra.Reason == rb.Reason && ra.Status == rb.Status && ra.ObservedGeneration == rb.ObservedGeneration))
}

func gwReady(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, walletv1.ConditionGoogleWalletReady)
}

// send waits its turn under the API rate limit and upserts.
func (r *Reconciler) send(ctx context.Context, account *gw.Account, v any, known bool) error {
	if err := r.limiter.Wait(ctx); err != nil {
		return err
	}
	return account.Upsert(ctx, v, known)
}

// patchPass writes status.googleWallet alone (a merge patch of that field:
// the pass controller and the web service write the rest of the status).
func (r *Reconciler) patchPass(ctx context.Context, p *walletv1.Pass, want *walletv1.GoogleWalletObjectStatus) error {
	if equalObjectStatus(p.Status.GoogleWallet, want) {
		return nil
	}
	before := p.DeepCopy()
	p.Status.GoogleWallet = want
	return client.IgnoreNotFound(status.GoogleWallet.Patch(ctx, r.Client, p, client.MergeFrom(before)))
}

func equalObjectStatus(a, b *walletv1.GoogleWalletObjectStatus) bool {
	if a == nil || b == nil {
		return a == b
	}
	ca, cb := gwReady(a.Conditions), gwReady(b.Conditions)
	sameCondition := (ca == nil) == (cb == nil) && (ca == nil || (ca.Reason == cb.Reason && ca.Status == cb.Status && ca.Message == cb.Message && ca.ObservedGeneration == cb.ObservedGeneration))
	return a.ObjectID == b.ObjectID && a.ContentDigest == b.ContentDigest && a.SaveURL == b.SaveURL && a.SignedBy == b.SignedBy && a.Users == b.Users && sameCondition
}

// account is the template's service account, read again only when its
// Secret changes; nil without one.
func (r *Reconciler) account(ctx context.Context, tpl *walletv1.PassTemplate) (*gw.Account, error) {
	ref := tpl.Spec.GoogleWallet.ServiceAccountKeySecretRef
	if ref == nil {
		return nil, nil
	}
	return r.accountFor(ctx, tpl.Namespace, *ref, false)
}

// accountFor reads the account of a key Secret, parsed again only when the
// Secret changes. For voiding (keepGone), an account read before its
// Secret was deleted is still used: the Secret may go first with the rest
// of a campaign or namespace.
func (r *Reconciler) accountFor(ctx context.Context, namespace string, ref walletv1.KeyReference, keepGone bool) (*gw.Account, error) {
	key := types.NamespacedName{Namespace: namespace, Name: ref.Name}
	rv, err := r.Sources.SecretVersion(ctx, key)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	e, ok := r.accounts[key]
	r.mu.Unlock()
	if rv == "" {
		if keepGone && ok && e.account != nil {
			return e.account, nil
		}
		return nil, fmt.Errorf("Secret %s does not exist: create it with the service account's JSON key under %q", ref.Name, ref.Key)
	}
	if ok && e.resourceVersion == rv {
		return e.account, e.err
	}
	var secret corev1.Secret
	if err := r.Sources.API.Get(ctx, key, &secret); err != nil {
		return nil, err
	}
	e = accountEntry{resourceVersion: secret.ResourceVersion}
	data, found := secret.Data[ref.Key]
	if secret.Labels[walletv1.LabelGoogleWalletKey] != "true" {
		e.err = fmt.Errorf("Secret %s is not labelled %s=true: label it (kubectl label secret %s %s=true) if it holds nothing but this template's Google service account key",
			ref.Name, walletv1.LabelGoogleWalletKey, ref.Name, walletv1.LabelGoogleWalletKey)
	} else if !found {
		e.err = fmt.Errorf("Secret %s has no key %q: put the service account's JSON key there", ref.Name, ref.Key)
	} else if e.account, e.err = gw.NewAccount(context.Background(), data, r.Options.APIEndpoint, r.Options.TokenURL, r.Options.HTTPClient); e.err != nil {
		e.err = fmt.Errorf("Secret %s key %q: %w", ref.Name, ref.Key, e.err)
	}
	r.mu.Lock()
	r.accounts[key] = e
	r.mu.Unlock()
	return e.account, e.err
}

// developmentSigner is generated once per manager.
func (r *Reconciler) developmentSigner() *gw.Signer {
	r.devOnce.Do(func() { r.dev, r.devErr = gw.NewDevelopmentSigner() })
	return r.dev
}

func (r *Reconciler) url(path string) string {
	if r.Options.WebServiceURL == "" {
		return ""
	}
	return strings.TrimSuffix(r.Options.WebServiceURL, "/") + path
}

// imageURL is where the web service serves one of the template's images,
// named after its content so Google may cache it for ever.
func (r *Reconciler) imageURL(tpl *walletv1.PassTemplate, files pkpass.Files) func(string) string {
	return func(name string) string {
		data, ok := files[name]
		if !ok || r.Options.WebServiceURL == "" {
			return ""
		}
		return r.url(gw.ImagePath(tpl.Namespace, tpl.Name, name, data))
	}
}

// origins are the save links' allowed origins: the web service's.
func (r *Reconciler) origins() []string {
	u, err := url.Parse(r.Options.WebServiceURL)
	if err != nil || u.Host == "" {
		return nil
	}
	return []string{u.Scheme + "://" + u.Host}
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
