package webservice

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
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
)

var pushesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_pushes_total", Help: "APNs pushes by outcome (delivered, unregistered, retried, failed).",
}, []string{"outcome"})

func init() { metrics.Registry.MustRegister(pushesTotal) }

// PushOptions configure pushes.
type PushOptions struct {
	// APNsURL is the APNs gateway; production when empty.
	APNsURL string
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
}

// Pusher tells every registered device when its pass's content changes.
// It runs on the elected replica. What each registration was last pushed
// for is kept in its status, so a restart mid-fan-out resumes where it
// stopped: every device is notified of the latest version at least once.
type Pusher struct {
	Client   client.Client // cached reads, writes
	API      client.Reader // Secrets
	Recorder record.EventRecorder
	Options  PushOptions
	// Name of the controller; "pusher" when empty (replicas in one test
	// process need distinct names).
	Name string

	mu      sync.Mutex
	clients map[string]*apns2.Client // by certificate fingerprint
	sem     chan struct{}
	// Sent counts pushes this Pusher made (tests tell replicas apart by it).
	Sent atomic.Int64
}

// SetupWithManager registers the pusher: a pass whose content digest
// moved, and registrations created or changed, wake it.
func (p *Pusher) SetupWithManager(mgr ctrl.Manager) error {
	if p.Options.Concurrency == 0 {
		p.Options.Concurrency = 64
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
	p.clients = map[string]*apns2.Client{}
	p.sem = make(chan struct{}, p.Options.Concurrency)
	if p.Name == "" {
		p.Name = "pusher"
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(p.Name).
		For(&walletv1.Pass{}, builder.WithPredicates(digestChanged())).
		Watches(&walletv1.DeviceRegistration{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			r := o.(*walletv1.DeviceRegistration)
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: r.Namespace, Name: r.Spec.PassName}}}
		}), builder.WithPredicates(predicate.Funcs{DeleteFunc: func(event.DeleteEvent) bool { return false }})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(p)
}

func digestChanged() predicate.Funcs {
	digest := func(o client.Object) string {
		if b := o.(*walletv1.Pass).Status.Bundle; b != nil {
			return b.ContentDigest
		}
		return ""
	}
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool { return digest(e.ObjectOld) != digest(e.ObjectNew) }}
}

// outcome of one push.
type outcome struct {
	reg    *walletv1.DeviceRegistration
	kind   string // delivered, unregistered, retry, failed
	reason string
	err    error // recording the outcome failed
}

// record keeps what a push achieved: the digest a device was told of (also
// after a permanent failure, so it is not retried forever), or the end of a
// registration APNs no longer knows.
func (p *Pusher) record(ctx context.Context, o outcome, digest string, now metav1.Time) error {
	switch o.kind {
	case "delivered", "failed":
		before := o.reg.DeepCopy()
		o.reg.Status.PushedDigest, o.reg.Status.LastPushed = digest, &now
		return client.IgnoreNotFound(p.Client.Status().Patch(ctx, o.reg, client.MergeFrom(before)))
	case "unregistered":
		return client.IgnoreNotFound(p.Client.Delete(ctx, o.reg))
	}
	return nil
}

// Reconcile pushes to every registration of the pass not yet told of its
// current content.
func (p *Pusher) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pass := &walletv1.Pass{}
	if err := p.Client.Get(ctx, req.NamespacedName, pass); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if pass.Status.Bundle == nil || pass.Status.PassTypeIdentifier == "" {
		return ctrl.Result{}, nil
	}
	digest := pass.Status.Bundle.ContentDigest
	var regs walletv1.DeviceRegistrationList
	if err := p.Client.List(ctx, &regs, client.InNamespace(pass.Namespace), client.MatchingFields{indexRegistrationsOfPass: pass.Name}); err != nil {
		return ctrl.Result{}, err
	}
	var due []*walletv1.DeviceRegistration
	for i := range regs.Items {
		if knownDigest(&regs.Items[i]) != digest && regs.Items[i].DeletionTimestamp.IsZero() {
			due = append(due, &regs.Items[i])
		}
	}
	if len(due) == 0 {
		return ctrl.Result{}, nil
	}
	apns, err := p.apnsClient(ctx, pass)
	if err != nil {
		p.Recorder.Eventf(pass, corev1.EventTypeWarning, "PushFailed", "cannot push to %d devices: %v", len(due), err)
		return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, nil
	}

	// Each push records its own outcome, so API writes run as parallel as
	// the pushes do.
	now := metav1.Now()
	results := make(chan outcome, len(due))
	var wg sync.WaitGroup
	for _, reg := range due {
		wg.Add(1)
		p.sem <- struct{}{}
		go func() {
			defer func() { <-p.sem; wg.Done() }()
			o := p.push(ctx, apns, reg, pass.Status.PassTypeIdentifier)
			o.err = p.record(ctx, o, digest, now)
			results <- o
		}()
	}
	wg.Wait()
	close(results)

	failures := map[string]int{}
	delivered, retry := 0, false
	for o := range results {
		pushesTotal.WithLabelValues(o.kind).Inc()
		switch {
		case o.err != nil:
			retry = true
			failures["not recorded"]++
		case o.kind == "delivered":
			delivered++
		case o.kind == "failed":
			failures[o.reason]++
		case o.kind == "unregistered":
			failures["unregistered: "+o.reason]++
		case o.kind == "retry":
			retry = true
			failures["will retry: "+o.reason]++
		}
	}
	if delivered > 0 {
		before := pass.DeepCopy()
		pass.Status.LastPushed = &now
		if err := p.Client.Status().Patch(ctx, pass, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	if len(failures) > 0 {
		p.Recorder.Eventf(pass, corev1.EventTypeWarning, "PushFailed", "%d of %d pushes delivered; %s", delivered, len(due), summarize(failures))
	}
	if retry {
		return ctrl.Result{RequeueAfter: p.Options.MaxBackoff}, nil
	}
	return ctrl.Result{}, nil
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
	n := &apns2.Notification{DeviceToken: reg.Spec.PushToken, Topic: topic, Payload: []byte("{}")}
	reason := ""
	for attempt := range p.Options.MaxAttempts {
		if attempt > 0 {
			backoff := min(p.Options.BaseBackoff<<(attempt-1), p.Options.MaxBackoff)
			backoff += time.Duration(rand.Int64N(int64(backoff)/2 + 1)) // jitter
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return outcome{reg: reg, kind: "retry", reason: "stopping"}
			}
		}
		p.Sent.Add(1)
		resp, err := apns.PushWithContext(ctx, n)
		switch {
		case err != nil:
			reason = "network error"
			continue
		case resp.StatusCode == http.StatusOK:
			return outcome{reg: reg, kind: "delivered"}
		case resp.StatusCode == http.StatusGone || resp.Reason == apns2.ReasonUnregistered || resp.Reason == apns2.ReasonBadDeviceToken:
			return outcome{reg: reg, kind: "unregistered", reason: nonEmpty(resp.Reason, "410")}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			reason = fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
			continue
		default:
			return outcome{reg: reg, kind: "failed", reason: fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)}
		}
	}
	return outcome{reg: reg, kind: "retry", reason: reason}
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// apnsClient returns the client of the pass's certificate: one per
// certificate, reused across pushes.
func (p *Pusher) apnsClient(ctx context.Context, pass *walletv1.Pass) (*apns2.Client, error) {
	tpl := &walletv1.PassTemplate{}
	if err := p.Client.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: pass.Spec.TemplateRef.Name}, tpl); err != nil {
		return nil, fmt.Errorf("template %s: %w", pass.Spec.TemplateRef.Name, err)
	}
	cert := &walletv1.PassCertificate{}
	if err := p.Client.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: tpl.Spec.CertificateRef.Name}, cert); err != nil {
		return nil, fmt.Errorf("certificate %s: %w", tpl.Spec.CertificateRef.Name, err)
	}
	secret := &corev1.Secret{}
	if err := p.API.Get(ctx, client.ObjectKey{Namespace: pass.Namespace, Name: cert.Spec.SecretRef.Name}, secret); err != nil {
		return nil, fmt.Errorf("Secret %s of certificate %s: %w", cert.Spec.SecretRef.Name, cert.Name, err)
	}
	id, err := certs.FromSecretData(secret.Data)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", cert.Name, err)
	}
	fp := certs.Fingerprint(id.Certificate)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[fp]; ok {
		return c, nil
	}
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
	p.clients[fp] = c
	return c, nil
}
