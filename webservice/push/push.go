// Package push tells registered devices that their pass changed: when a
// pass's signed content changes (or a push is requested), the Pusher fans
// a push out to every device the registry.Backend holds for it, through a
// Gateway (APNs, or a log when no gateway is configured), and records each
// outcome in the backend.
package push

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sideshow/apns2"
	"golang.org/x/net/http2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

var pushesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_pushes_total", Help: "APNs pushes by outcome (delivered, unregistered, retry, failed; logged when no gateway is configured).",
}, []string{"outcome"})

// changeToPush: how long after a pass's content changed its devices were
// all told.
var changeToPush = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "wallet_webservice_change_to_push_seconds",
	Help:    "From a pass's new content (status.bundle.lastModified) to every registered device told of it (status.pushedDigest).",
	Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
})

func init() { metrics.Registry.MustRegister(pushesTotal, changeToPush) }

// Options configure pushes.
type Options struct {
	// APNsURL is the APNs gateway; production when empty.
	APNsURL string
	// CredentialsNamespace holds the push credentials Secrets the manager
	// keeps (the APNs client certificate of each template): the operator's
	// namespace.
	CredentialsNamespace string
	// LogOnly logs pushes (a count per pass, no device data) instead of
	// sending them, and records them as sent: for a demo without APNs.
	LogOnly bool
	// RootCAs, when set, are the only CAs trusted for the gateway (a
	// stand-in's CA in tests).
	RootCAs *x509.CertPool
	// Concurrency bounds pushes in flight.
	Concurrency int
	// MaxAttempts, BaseBackoff and MaxBackoff shape retries of 429, 5xx and
	// network errors: exponential with jitter, then the pass is requeued.
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// CredentialsRetry is when pushes APNs refused for the certificate (403)
	// are tried again; 10 minutes when zero.
	CredentialsRetry time.Duration
	// ClaimBatch and ClaimLease shape the fan-out: how many registrations
	// are claimed at once (when zero, 1,000 from a shared backend, 256
	// otherwise), and when a claim that was never recorded returns to the
	// other replicas (2 minutes when zero).
	ClaimBatch int
	ClaimLease time.Duration
}

// Pusher tells every registered device when its pass's content changes.
// It runs on the elected replica, or on every replica when the backend's
// claims are shared. What each registration was last pushed for is kept in
// the backend, so a restart mid-fan-out resumes where it stopped: every
// device is notified of the latest version at least once.
type Pusher struct {
	Client   client.Client // cached reads, writes
	API      client.Reader // Secrets
	Recorder record.EventRecorder
	Options  Options
	// Name of the controller; "pusher" when empty (replicas in one test
	// process need distinct names).
	Name string
	// Backend holds the registrations.
	Backend registry.Backend

	mu        sync.Mutex
	clients   map[string]*apns2.Client  // by credentials content (credentialsKey)
	templates map[string]templateClient // by push credentials Secret name
	sem       chan struct{}
	// Sent counts pushes this Pusher made (tests tell replicas apart by it).
	Sent atomic.Int64
}

// SetupWithManager registers the pusher and its index: a pass whose
// content digest moved, a template's push-now request, and what the backend
// adds (new registrations) wake it.
func (p *Pusher) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	p.Options.Concurrency = cmp.Or(p.Options.Concurrency, 64)
	p.Options.MaxAttempts = cmp.Or(p.Options.MaxAttempts, 5)
	p.Options.BaseBackoff = cmp.Or(p.Options.BaseBackoff, 200*time.Millisecond)
	p.Options.MaxBackoff = cmp.Or(p.Options.MaxBackoff, 30*time.Second)
	p.Options.CredentialsRetry = cmp.Or(p.Options.CredentialsRetry, 10*time.Minute)
	// Batches of a shared backend are claimed with a statement each; those of
	// one in memory are smaller, so that writing outcomes starts at once.
	if p.Options.ClaimBatch == 0 {
		p.Options.ClaimBatch = 256
		if p.Backend.Shared() {
			p.Options.ClaimBatch = 1000
		}
	}
	p.Options.ClaimLease = cmp.Or(p.Options.ClaimLease, 2*time.Minute)
	p.clients = map[string]*apns2.Client{}
	p.templates = map[string]templateClient{}
	p.sem = make(chan struct{}, p.Options.Concurrency)
	p.Name = cmp.Or(p.Name, "pusher")
	_ = metrics.Registry.Register(awaitingPushGauge(mgr.GetCache())) // the first pusher of a process (tests run several)
	// The way from a template's push-now request to its passes.
	if err := index.Register(ctx, mgr, index.PassTemplate); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(p.Name).
		For(&walletv1.Pass{}, builder.WithPredicates(pushMayBeDue())).
		Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(p.passesWithDevices), builder.WithPredicates(pushRequested())).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4, NeedLeaderElection: ptr.To(!p.Backend.Shared())})
	return p.Backend.WakePushes(b).Complete(kube.StopQuietly(p))
}

// pushMayBeDue lets through a pass whose content digest moved, whose
// push-now annotation changed, or whose deletion began (its devices are
// told it is void, and the manager waits for the fan-out's end).
func pushMayBeDue() predicate.Funcs {
	digest := func(o client.Object) string {
		if b := o.(*walletv1.Pass).Status.Bundle; b != nil {
			return b.ContentDigest
		}
		return ""
	}
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return digest(e.ObjectOld) != digest(e.ObjectNew) ||
			e.ObjectOld.GetAnnotations()[walletv1.AnnotationPushRequestedAt] != e.ObjectNew.GetAnnotations()[walletv1.AnnotationPushRequestedAt] ||
			e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
	}}
}

// pushRequested lets through a template whose push-now annotation changed.
func pushRequested() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool {
			return e.Object.GetAnnotations()[walletv1.AnnotationPushRequestedAt] != ""
		},
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetAnnotations()[walletv1.AnnotationPushRequestedAt] != e.ObjectNew.GetAnnotations()[walletv1.AnnotationPushRequestedAt]
		},
		DeleteFunc: func(event.DeleteEvent) bool { return false },
	}
}

// passesWithDevices are the passes of a template that have registered
// devices: a template's push-now request concerns only them.
func (p *Pusher) passesWithDevices(ctx context.Context, o client.Object) []reconcile.Request {
	var passes walletv1.PassList
	if err := p.Client.List(ctx, &passes, client.InNamespace(o.GetNamespace()), client.MatchingFields{index.PassTemplate.Name: o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range passes.Items {
		if passes.Items[i].Status.RegisteredDevices > 0 {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&passes.Items[i])})
		}
	}
	return out
}

// Outcome is what one push achieved; it is also the outcome label of
// wallet_webservice_pushes_total.
type Outcome string

// The outcomes of a push.
const (
	// Delivered: APNs accepted the push.
	Delivered Outcome = "delivered"
	// Unregistered: APNs no longer knows the token (410, BadDeviceToken);
	// the registration is deleted.
	Unregistered Outcome = "unregistered"
	// Retry: 429, 5xx, a network error or shutdown; the pass is requeued.
	Retry Outcome = "retry"
	// Failed: APNs refused the push for good (another 4xx); recorded so it
	// is not retried forever.
	Failed Outcome = "failed"
	// Logged: no gateway is configured; the push was logged, not sent.
	Logged Outcome = "logged"
	// CredentialsRefused: APNs refused the certificate (403). The device was
	// not told, so nothing is recorded; the pass is tried again after
	// CredentialsRetry, by when the credentials may be fixed.
	CredentialsRefused Outcome = "credentials_refused"
)

// Reconcile pushes to every registration of the pass not yet told of its
// current content, batch by batch as the backend hands them out. What
// another replica still holds (or a dead one held until its lease ends) is
// looked at again later; the fan-out is recorded on the pass by whichever
// replica finds nothing left to push.
func (p *Pusher) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ref := registry.PassRef{Namespace: req.Namespace, Name: req.Name}
	pass := &walletv1.Pass{}
	if err := p.Client.Get(ctx, req.NamespacedName, pass); err != nil {
		if apierrors.IsNotFound(err) {
			// Its registrations go with it.
			return ctrl.Result{}, p.Backend.Forget(ctx, ref)
		}
		return ctrl.Result{}, err
	}
	if pass.Status.Bundle == nil || topic(pass) == "" {
		return ctrl.Result{}, nil
	}
	requests, since := p.pushRequests(ctx, pass)
	fan := p.Backend.FanOut(ref, pass.Status.Bundle.ContentDigest, since, p.Options.ClaimLease)
	t := newTally()
	var gateway Gateway
	// Outcomes kept in memory are written by a recorder while later batches
	// are pushed; shared claims are recorded before the next claim, so a
	// replica that loses the database mid-fan-out pushes at most one batch
	// again.
	var rec *recorder
	for first := true; ; first = false {
		batch, err := fan.Next(ctx, p.Options.ClaimBatch)
		if err != nil {
			return ctrl.Result{}, errors.Join(err, rec.wait()) // retried with backoff; claims made end with their lease
		}
		if len(batch) == 0 {
			break
		}
		if first {
			var ok bool
			if gateway, ok = p.gateway(ctx, pass, len(batch)); !ok {
				return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, fan.Record(ctx, nil, nil, batch)
			}
			if !p.Backend.Shared() {
				rec = p.recorder(ctx, fan, t)
			}
		}
		kinds, reasons := p.push(ctx, gateway, topic(pass), batch)
		pushed := pushedBatch{batch: batch, kinds: kinds, reasons: reasons}
		if rec != nil {
			rec.add(pushed)
		} else if err := p.record(ctx, fan, pushed, t); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := rec.wait(); err != nil {
		return ctrl.Result{}, err
	}
	due, registered, err := fan.Pending(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	if due > 0 {
		// Claimed by another replica, or released for a retry: looked at
		// again by when a claim of a replica that died has expired.
		t.retry = true
	}
	res, err := p.finish(ctx, pass, t, registered, requests)
	if due > 0 && res.RequeueAfter > p.Options.ClaimLease {
		res.RequeueAfter = p.Options.ClaimLease
	}
	return res, err
}

// push pushes one claimed batch with bounded concurrency and returns what
// became of each.
func (p *Pusher) push(ctx context.Context, gateway Gateway, topic string, batch []registry.Due) ([]Outcome, []string) {
	kinds := make([]Outcome, len(batch))
	reasons := make([]string, len(batch))
	var wg sync.WaitGroup
	for i, d := range batch {
		p.sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-p.sem }()
			kinds[i], reasons[i] = gateway.Send(ctx, d.PushToken, topic)
		})
	}
	wg.Wait()
	return kinds, reasons
}

// pushedBatch is a batch pushed, and what became of each push.
type pushedBatch struct {
	batch   []registry.Due
	kinds   []Outcome
	reasons []string
}

// recorder writes pushed batches' outcomes to the backend, a few batches
// at a time, while the pusher goes on pushing: devices are told as fast as
// APNs takes the pushes, not as fast as outcomes are written. At most
// recordAhead batches wait to be written.
type recorder struct {
	batches chan pushedBatch
	done    chan error
}

const (
	recordAhead     = 64
	recordingAtOnce = 4
)

func (p *Pusher) recorder(ctx context.Context, fan registry.FanOut, t *tally) *recorder {
	r := &recorder{batches: make(chan pushedBatch, recordAhead), done: make(chan error, 1)}
	go func() {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
		)
		for range recordingAtOnce {
			wg.Go(func() {
				for b := range r.batches {
					if err := p.record(ctx, fan, b, t); err != nil {
						mu.Lock()
						first = cmp.Or(first, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		r.done <- first
	}()
	return r
}

func (r *recorder) add(b pushedBatch) { r.batches <- b }

// wait waits until every batch is written and returns the first error;
// nil for no recorder.
func (r *recorder) wait() error {
	if r == nil {
		return nil
	}
	close(r.batches)
	return <-r.done
}

// record keeps a pushed batch's outcomes in the backend: told (delivered,
// or refused for good), gone (APNs no longer knows the token) and released
// (to retry), and counts them.
func (p *Pusher) record(ctx context.Context, fan registry.FanOut, b pushedBatch, t *tally) error {
	batch, kinds, reasons := b.batch, b.kinds, b.reasons
	var told, gone, released []registry.Due
	for i, d := range batch {
		switch kinds[i] {
		case Delivered, Failed, Logged:
			told = append(told, d)
		case Unregistered:
			gone = append(gone, d)
		default:
			released = append(released, d)
		}
	}
	err := fan.Record(ctx, told, gone, released)
	for i := range batch {
		t.add(kinds[i], reasons[i], err)
	}
	return err
}

// gateway is the gateway for the pass's pushes: APNs with its template's
// credentials, or a log when none is configured; false when there is none
// (reported on the pass).
func (p *Pusher) gateway(ctx context.Context, pass *walletv1.Pass, devices int) (Gateway, bool) {
	if p.Options.LogOnly {
		ctrl.LoggerFrom(ctx).Info("pushes logged, not sent: no APNs gateway configured", "devices", devices, "contentDigest", pass.Status.Bundle.ContentDigest)
		return logGateway{}, true
	}
	apns, err := p.apnsClient(ctx, pass)
	if err != nil {
		p.Recorder.Eventf(pass, corev1.EventTypeWarning, "PushFailed", "cannot push to %d devices: %v", devices, err)
		return nil, false
	}
	return &apnsGateway{client: apns, pusher: p}, true
}

// tally adds up a fan-out's outcomes.
type tally struct {
	mu                        sync.Mutex // batches are recorded side by side
	pushed, delivered         int
	retry, credentialsRefused bool
	failures                  map[string]int // by reason
}

func newTally() *tally { return &tally{failures: map[string]int{}} }

// add counts one push; recordErr says its outcome could not be recorded.
func (t *tally) add(kind Outcome, reason string, recordErr error) {
	pushesTotal.WithLabelValues(string(kind)).Inc()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pushed++
	switch {
	case recordErr != nil:
		t.retry = true
		t.failures["not recorded"]++
	case kind == Delivered:
		t.delivered++
	case kind == Failed:
		t.failures[reason]++
	case kind == Unregistered:
		t.failures["unregistered: "+reason]++
	case kind == Retry:
		t.retry = true
		t.failures["will retry: "+reason]++
	case kind == CredentialsRefused:
		t.credentialsRefused = true
		t.failures["certificate refused, will retry: "+reason]++
	}
}

// finish reports a fan-out: an Event when some pushes failed, the end of
// the fan-out on the pass when nothing is left to retry, and when to try
// again otherwise.
func (p *Pusher) finish(ctx context.Context, pass *walletv1.Pass, t *tally, registered int, requests walletv1.PushRequestsStatus) (ctrl.Result, error) {
	if len(t.failures) > 0 {
		p.Recorder.Eventf(pass, corev1.EventTypeWarning, "PushFailed", "%d of %d pushes delivered; %s", t.delivered, t.pushed, summarize(t.failures))
	}
	if !t.retry && !t.credentialsRefused {
		if err := p.recordFanOut(ctx, pass, registered, requests, t.delivered > 0); err != nil {
			return ctrl.Result{}, err
		}
	} else if t.delivered > 0 {
		before := pass.DeepCopy()
		pass.Status.LastPushed = ptr.To(metav1.Now())
		if err := status.Pusher.Patch(ctx, p.Client, pass, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	switch {
	case t.retry:
		return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, nil
	case t.credentialsRefused:
		return ctrl.Result{RequeueAfter: p.Options.CredentialsRetry}, nil
	}
	return ctrl.Result{}, nil
}

// recordFanOut records on the pass that the fan-out for its content and
// push-now requests is over: every registered device was told (or refused
// for good). A pass with no device records nothing (no write per pass of a
// template change), unless it is being deleted: the manager waits for it.
func (p *Pusher) recordFanOut(ctx context.Context, pass *walletv1.Pass, registered int, requests walletv1.PushRequestsStatus, delivered bool) error {
	if registered == 0 && pass.DeletionTimestamp.IsZero() {
		return nil
	}
	before := pass.DeepCopy()
	pass.Status.PushedDigest = pass.Status.Bundle.ContentDigest
	if requests != (walletv1.PushRequestsStatus{}) {
		pass.Status.PushRequests = &requests
	}
	if delivered {
		pass.Status.LastPushed = ptr.To(metav1.Now())
	}
	if equality.Semantic.DeepEqual(before.Status, pass.Status) {
		return nil
	}
	if err := status.Pusher.Patch(ctx, p.Client, pass, client.MergeFrom(before)); err != nil {
		return client.IgnoreNotFound(err)
	}
	if changed := pass.Status.Bundle.LastModified; before.Status.PushedDigest != pass.Status.PushedDigest && registered > 0 && changed != nil {
		changeToPush.Observe(time.Since(changed.Time).Seconds())
	}
	return nil
}

// pushRequests reads the push-now requests of the pass and its template
// (values that are not times are ignored; the manager reports them) and
// returns them, and the time of the newest one not handled yet: devices
// registered before it are pushed again. Zero when none is pending.
func (p *Pusher) pushRequests(ctx context.Context, pass *walletv1.Pass) (walletv1.PushRequestsStatus, time.Time) {
	var req walletv1.PushRequestsStatus
	req.Pass, _ = walletv1.PushRequest(pass.Annotations)
	tpl := &walletv1.PassTemplate{}
	if err := p.Client.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: pass.Spec.TemplateRef.Name}, tpl); err == nil {
		req.Template, _ = walletv1.PushRequest(tpl.Annotations)
	}
	handled := walletv1.PushRequestsStatus{}
	if pass.Status.PushRequests != nil {
		handled = *pass.Status.PushRequests
	}
	var since time.Time
	for _, v := range []struct{ now, before string }{{req.Pass, handled.Pass}, {req.Template, handled.Template}} {
		if v.now == "" || v.now == v.before {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v.now); err == nil && t.After(since) {
			since = t
		}
	}
	return req, since
}

func summarize(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// apnsClient returns the APNs client of the pass's template: built from the
// push credentials the manager copied for this very template, and one per
// credentials content. A template's entry is reused while the certificate
// it was built from is the one its PassCertificate reports; the reported
// fingerprint only says when to read the Secret again, it never selects a
// connection: a tenant whose status shows another's fingerprint still only
// gets a client of its own credentials.
func (p *Pusher) apnsClient(ctx context.Context, pass *walletv1.Pass) (*apns2.Client, error) {
	tpl := &walletv1.PassTemplate{}
	if err := p.Client.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: pass.Spec.TemplateRef.Name}, tpl); err != nil {
		return nil, fmt.Errorf("template %s: %w", pass.Spec.TemplateRef.Name, err)
	}
	cert := &walletv1.PassCertificate{}
	if err := p.Client.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: tpl.Spec.CertificateRef.Name}, cert); err != nil {
		return nil, fmt.Errorf("certificate %s: %w", tpl.Spec.CertificateRef.Name, err)
	}
	name := walletv1.PushCredentialsSecretName(pass.Namespace, tpl.Name)
	p.mu.Lock()
	e, ok := p.templates[name]
	p.mu.Unlock()
	if ok && e.fingerprint == cert.Status.Fingerprint {
		return e.client, nil // no Secret read per pass
	}
	secret := &corev1.Secret{}
	if err := p.API.Get(ctx, client.ObjectKey{Namespace: p.Options.CredentialsNamespace, Name: name}, secret); err != nil {
		return nil, fmt.Errorf("push credentials Secret %s/%s of template %s: %w", p.Options.CredentialsNamespace, name, tpl.Name, err)
	}
	id, err := certs.FromSecretData(secret.Data)
	if err != nil {
		return nil, fmt.Errorf("push credentials of template %s (certificate %s): %w", tpl.Name, cert.Name, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := credentialsKey(secret.Data)
	c, ok := p.clients[key]
	if !ok {
		if c, err = p.newClient(id); err != nil {
			return nil, err
		}
		p.clients[key] = c
	}
	p.templates[name] = templateClient{fingerprint: certs.Fingerprint(id.Certificate), client: c}
	return c, nil
}

// templateClient is a template's APNs client and the fingerprint of the
// certificate it was built from.
type templateClient struct {
	fingerprint string
	client      *apns2.Client
}

func (p *Pusher) newClient(id *certs.Identity) (*apns2.Client, error) {
	c := apns2.NewClient(id.TLSCertificate()).Production()
	if p.Options.APNsURL != "" {
		c.Host = strings.TrimSuffix(p.Options.APNsURL, "/")
	}
	if p.Options.RootCAs != nil {
		tr, ok := c.HTTPClient.Transport.(*http2.Transport)
		if !ok {
			return nil, errors.New("unexpected APNs transport")
		}
		tr.TLSClientConfig = &tls.Config{Certificates: []tls.Certificate{id.TLSCertificate()}, RootCAs: p.Options.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return c, nil
}

// credentialsKey identifies push credentials by their content.
func credentialsKey(data map[string][]byte) string {
	h := sha256.New()
	for _, k := range []string{walletv1.SecretKeyCertificate, walletv1.SecretKeyPrivateKey, walletv1.SecretKeyPKCS12, walletv1.SecretKeyPKCS12Password} {
		fmt.Fprintf(h, "%s=%d:", k, len(data[k]))
		h.Write(data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// topic is the pass type the pass's bundle is signed for: the APNs topic of
// its devices. Bundles recorded before they named it fall back to the
// status's.
func topic(pass *walletv1.Pass) string {
	if t := pass.Status.Bundle.PassTypeIdentifier; t != "" {
		return t
	}
	return pass.Status.PassTypeIdentifier
}
