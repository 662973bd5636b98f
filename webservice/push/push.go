// Package push is the web service's work for registered devices on the
// elected replica: an APNs push to every device when its pass's signed
// content changes (Pusher), and the registration counts on each Pass
// (RegistrationCounter).
package push

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
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
	"k8s.io/apimachinery/pkg/types"
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
	"github.com/wallet-operator/wallet-operator/internal/kube"
	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

var pushesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_pushes_total", Help: "APNs pushes by outcome (delivered, unregistered, retry, failed; logged when no gateway is configured).",
}, []string{"outcome"})

func init() { metrics.Registry.MustRegister(pushesTotal) }

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
	// RecordConcurrency bounds the API writes recording outcomes; they run
	// beside the pushes, so a slow API server does not slow the fan-out.
	RecordConcurrency int
	// MaxAttempts, BaseBackoff and MaxBackoff shape retries of 429, 5xx and
	// network errors: exponential with jitter, then the pass is requeued.
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// CredentialsRetry is when pushes APNs refused for the certificate (403)
	// are tried again; 10 minutes when zero.
	CredentialsRetry time.Duration
	// ClaimBatch and ClaimLease shape a shared fan-out (Pusher.Queue): how
	// many registrations a replica claims at once (1,000 when zero), and
	// when a claim that was never recorded returns to the others (2 minutes
	// when zero).
	ClaimBatch int
	ClaimLease time.Duration
}

// Pusher tells every registered device when its pass's content changes.
// It runs on the elected replica. What each registration was last pushed
// for is kept in its status, so a restart mid-fan-out resumes where it
// stopped: every device is notified of the latest version at least once.
type Pusher struct {
	Client   client.Client // cached reads, writes
	API      client.Reader // Secrets
	Recorder record.EventRecorder
	Options  Options
	// Name of the controller; "pusher" when empty (replicas in one test
	// process need distinct names).
	Name string
	// Queue, when set, holds the registrations (PostgreSQL): every replica
	// pushes, claiming batches of due registrations from it. Without it the
	// pusher reads DeviceRegistrations and runs on the elected replica.
	Queue registry.Queue

	mu        sync.Mutex
	clients   map[string]*apns2.Client  // by credentials content (credentialsKey)
	templates map[string]templateClient // by push credentials Secret name
	// told holds, per pass, the registrations this process pushed and
	// recorded whose status the cache may not show yet: without it a
	// reconcile reading a stale cache would push them again.
	told map[types.NamespacedName]map[types.UID]string
	sem  chan struct{}
	// Sent counts pushes this Pusher made (tests tell replicas apart by it).
	Sent atomic.Int64
}

// SetupWithManager registers the pusher: a pass whose content digest
// moved, and registrations created or changed, wake it.
func (p *Pusher) SetupWithManager(mgr ctrl.Manager) error {
	if p.Options.Concurrency == 0 {
		p.Options.Concurrency = 64
	}
	if p.Options.RecordConcurrency == 0 {
		p.Options.RecordConcurrency = 16
	}
	if p.Options.MaxAttempts == 0 {
		p.Options.MaxAttempts = 5
	}
	if p.Options.BaseBackoff == 0 {
		p.Options.BaseBackoff = 200 * time.Millisecond
	}
	if p.Options.MaxBackoff == 0 {
		p.Options.MaxBackoff = 30 * time.Second
	}
	if p.Options.CredentialsRetry == 0 {
		p.Options.CredentialsRetry = 10 * time.Minute
	}
	p.clients = map[string]*apns2.Client{}
	p.templates = map[string]templateClient{}
	p.told = map[types.NamespacedName]map[types.UID]string{}
	p.sem = make(chan struct{}, p.Options.Concurrency)
	if p.Name == "" {
		p.Name = "pusher"
	}
	if p.Queue != nil {
		if p.Options.ClaimBatch == 0 {
			p.Options.ClaimBatch = 1000
		}
		if p.Options.ClaimLease == 0 {
			p.Options.ClaimLease = 2 * time.Minute
		}
		return ctrl.NewControllerManagedBy(mgr).
			Named(p.Name).
			For(&walletv1.Pass{}, builder.WithPredicates(pushMayBeDue())).
			Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(p.passesWithDevices), builder.WithPredicates(pushRequested())).
			WithOptions(controller.Options{MaxConcurrentReconciles: 4, NeedLeaderElection: ptr.To(false)}).
			Complete(kube.StopQuietly(p))
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(p.Name).
		For(&walletv1.Pass{}, builder.WithPredicates(pushMayBeDue())).
		Watches(&walletv1.PassTemplate{}, handler.EnqueueRequestsFromMapFunc(p.passesWithDevices), builder.WithPredicates(pushRequested())).
		Watches(&walletv1.DeviceRegistration{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			r := o.(*walletv1.DeviceRegistration)
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Namespace, Name: r.Spec.PassName}}}
		}), builder.WithPredicates(registrationChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(kube.StopQuietly(p))
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
	if err := p.Client.List(ctx, &passes, client.InNamespace(o.GetNamespace()), client.MatchingFields{IndexPassesOfTemplate: o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
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

// registrationChanged lets through new registrations and changed specs (a
// new push token or registered version); the pusher's own status writes
// and deletions need no push.
func registrationChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool { return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() },
		DeleteFunc: func(event.DeleteEvent) bool { return false },
	}
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

// outcome of one push.
type outcome struct {
	reg    *walletv1.DeviceRegistration
	kind   Outcome
	reason string
	err    error // recording the outcome failed
}

// record keeps what a push achieved: the digest a device was told of (also
// after a permanent failure, so it is not retried forever), or the end of a
// registration APNs no longer knows.
func (p *Pusher) record(ctx context.Context, o outcome, digest string, now metav1.Time) error {
	switch o.kind {
	case Delivered, Failed, Logged:
		before := o.reg.DeepCopy()
		o.reg.Status.PushedDigest, o.reg.Status.LastPushed = digest, &now
		return client.IgnoreNotFound(p.Client.Status().Patch(ctx, o.reg, client.MergeFrom(before)))
	case Unregistered:
		return client.IgnoreNotFound(p.Client.Delete(ctx, o.reg))
	}
	return nil
}

// Reconcile pushes to every registration of the pass not yet told of its
// current content.
func (p *Pusher) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pass := &walletv1.Pass{}
	if err := p.Client.Get(ctx, req.NamespacedName, pass); err != nil {
		if apierrors.IsNotFound(err) {
			p.forget(req.NamespacedName)
			if p.Queue != nil {
				// Its registrations go with it (the manager cannot reach them).
				return ctrl.Result{}, p.Queue.Forget(ctx, registry.PassRef{Namespace: req.Namespace, Name: req.Name})
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if pass.Status.Bundle == nil || topic(pass) == "" {
		return ctrl.Result{}, nil
	}
	requests, since := p.pushRequests(ctx, pass)
	if p.Queue != nil {
		return p.reconcileShared(ctx, pass, requests, since)
	}
	digest := pass.Status.Bundle.ContentDigest
	due, registered, err := p.due(ctx, pass, digest, since)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(due) == 0 {
		return ctrl.Result{}, p.recordFanOut(ctx, pass, registered, requests, false)
	}
	apns, ok := p.client(ctx, pass, len(due))
	if !ok {
		return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, nil
	}
	t := newTally()
	for _, o := range p.fanOut(ctx, apns, pass, due) {
		t.add(o.kind, o.reason, o.err)
	}
	return p.finish(ctx, pass, t, registered, requests)
}

// client is the APNs client for the pass's pushes (nil when pushes are
// only logged); false when there is none (reported on the pass).
func (p *Pusher) client(ctx context.Context, pass *walletv1.Pass, devices int) (*apns2.Client, bool) {
	if p.Options.LogOnly {
		ctrl.LoggerFrom(ctx).Info("pushes logged, not sent: no APNs gateway configured", "devices", devices, "contentDigest", pass.Status.Bundle.ContentDigest)
		return nil, true
	}
	apns, err := p.apnsClient(ctx, pass)
	if err != nil {
		p.Recorder.Eventf(pass, corev1.EventTypeWarning, "PushFailed", "cannot push to %d devices: %v", devices, err)
		return nil, false
	}
	return apns, true
}

// tally adds up a fan-out's outcomes.
type tally struct {
	pushed, delivered         int
	retry, credentialsRefused bool
	failures                  map[string]int // by reason
}

func newTally() *tally { return &tally{failures: map[string]int{}} }

// add counts one push; recordErr says its outcome could not be recorded.
func (t *tally) add(kind Outcome, reason string, recordErr error) {
	pushesTotal.WithLabelValues(string(kind)).Inc()
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
		if err := p.Client.Status().Patch(ctx, pass, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
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
	return client.IgnoreNotFound(p.Client.Status().Patch(ctx, pass, client.MergeFrom(before)))
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

// due lists the registrations of the pass that do not know digest yet,
// neither by their status nor by what this process already told them, and,
// when a push-now request is pending, those registered before it. It also
// returns how many registrations the pass has.
func (p *Pusher) due(ctx context.Context, pass *walletv1.Pass, digest string, requestedAt time.Time) ([]*walletv1.DeviceRegistration, int, error) {
	var regs walletv1.DeviceRegistrationList
	if err := p.Client.List(ctx, &regs, client.InNamespace(pass.Namespace), client.MatchingFields{IndexRegistrationsOfPass: pass.Name}); err != nil {
		return nil, 0, err
	}
	key := client.ObjectKeyFromObject(pass)
	p.mu.Lock()
	defer p.mu.Unlock()
	told, stillTold := p.told[key], map[types.UID]string{}
	var due []*walletv1.DeviceRegistration
	for i := range regs.Items {
		reg := &regs.Items[i]
		known := knownDigest(reg)
		if d, ok := told[reg.UID]; ok && d != known {
			stillTold[reg.UID] = d // the cache has not caught up yet
			known = d
		}
		requested := !requestedAt.IsZero() && !reg.CreationTimestamp.After(requestedAt)
		if (known != digest || requested) && reg.DeletionTimestamp.IsZero() {
			due = append(due, reg)
		}
	}
	if len(stillTold) > 0 {
		p.told[key] = stillTold
	} else {
		delete(p.told, key)
	}
	return due, len(regs.Items), nil
}

// fanOut pushes to every registration with bounded concurrency while a
// pool of writers records each outcome as it arrives. It returns when all
// are pushed and recorded.
func (p *Pusher) fanOut(ctx context.Context, apns *apns2.Client, pass *walletv1.Pass, due []*walletv1.DeviceRegistration) []outcome {
	digest, now := pass.Status.Bundle.ContentDigest, metav1.Now()
	pushed := make(chan outcome, len(due)) // never blocks a push
	go func() {
		var wg sync.WaitGroup
		for _, reg := range due {
			p.sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-p.sem }()
				if p.Options.LogOnly {
					pushed <- outcome{reg: reg, kind: Logged}
					return
				}
				pushed <- p.push(ctx, apns, reg, topic(pass))
			})
		}
		wg.Wait()
		close(pushed)
	}()

	recorded := make(chan outcome, len(due))
	var writers sync.WaitGroup
	for range min(p.Options.RecordConcurrency, len(due)) {
		writers.Go(func() {
			for o := range pushed {
				if o.err = p.record(ctx, o, digest, now); o.err == nil && o.kind != Retry && o.kind != CredentialsRefused {
					p.remember(client.ObjectKeyFromObject(pass), o.reg.UID, digest)
				}
				recorded <- o
			}
		})
	}
	writers.Wait()
	close(recorded)
	outcomes := make([]outcome, 0, len(due))
	for o := range recorded {
		outcomes = append(outcomes, o)
	}
	return outcomes
}

func (p *Pusher) remember(pass types.NamespacedName, reg types.UID, digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.told[pass] == nil {
		p.told[pass] = map[types.UID]string{}
	}
	p.told[pass][reg] = digest
}

func (p *Pusher) forget(pass types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.told, pass)
}

// knownDigest is the version the device is known to have: the last one it
// was pushed for, or the one it registered with.
func knownDigest(r *walletv1.DeviceRegistration) string {
	if r.Status.PushedDigest != "" {
		return r.Status.PushedDigest
	}
	return r.Spec.RegisteredDigest
}

func summarize(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// push sends one notification, retrying throttling, server errors and
// network errors with exponential backoff and jitter.
func (p *Pusher) push(ctx context.Context, apns *apns2.Client, reg *walletv1.DeviceRegistration, topic string) outcome {
	kind, reason := p.send(ctx, apns, reg.Spec.PushToken, topic)
	return outcome{reg: reg, kind: kind, reason: reason}
}

// send sends one notification to a push token.
func (p *Pusher) send(ctx context.Context, apns *apns2.Client, token, topic string) (Outcome, string) {
	n := &apns2.Notification{DeviceToken: token, Topic: topic, Payload: []byte("{}")}
	reason := ""
	for attempt := range p.Options.MaxAttempts {
		if attempt > 0 {
			backoff := min(p.Options.BaseBackoff<<(attempt-1), p.Options.MaxBackoff)
			backoff += time.Duration(rand.Int64N(int64(backoff)/2 + 1)) // jitter
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return Retry, "stopping"
			}
		}
		p.Sent.Add(1)
		resp, err := apns.PushWithContext(ctx, n)
		switch {
		case err != nil:
			reason = "network error"
			continue
		case resp.StatusCode == http.StatusOK:
			return Delivered, ""
		case resp.StatusCode == http.StatusGone || resp.Reason == apns2.ReasonUnregistered || resp.Reason == apns2.ReasonBadDeviceToken:
			return Unregistered, nonEmpty(resp.Reason, "410")
		case resp.StatusCode == http.StatusForbidden:
			return CredentialsRefused, fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			reason = fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
			continue
		default:
			return Failed, fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
		}
	}
	return Retry, reason
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
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
