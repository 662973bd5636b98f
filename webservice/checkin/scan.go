package checkin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/index"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/webservice/ratelimit"
)

var scans = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wallet_webservice_scans_total",
	Help: "Gate scans by result (admitted, alreadyRedeemed, voided, expired, notYetValid, unknown, wrongTemplate; unauthorized, rateLimited, failed).",
}, []string{"result"})

func init() {
	metrics.Registry.MustRegister(scans)
	for _, r := range Results {
		scans.WithLabelValues(string(r))
	}
}

// MaxBody bounds a scan's body: a barcode message and little else.
const MaxBody = 8 << 10

// FieldOwner is the field manager of the redeeming write.
const FieldOwner = walletv1.FieldOwner + "-webservice-checkin"

// Handler answers POST /scan/{namespace}/{template}.
type Handler struct {
	// Cache reads passes (with the index.PassBarcode index) and templates.
	Cache client.Reader
	// API reads the push credentials (scanner key digests) and the pass
	// again after a conflict, and writes the redemption.
	API client.Client
	// CredentialsNamespace holds the templates' push credentials.
	CredentialsNamespace string
	// Gates limit each gate's scans (by namespace/template/gate).
	Gates *ratelimit.Limiters
	// Verified is called once the scanner key matches: the per-client
	// limit is for unknown callers, not for a venue's scanners behind one
	// address.
	Verified func(*http.Request)
	// PassJSON reads the signed pass.json of a pass (for DisplayFields).
	PassJSON func(*http.Request, *walletv1.Pass) (*passjson.Pass, error)
	// Admitted is told of each admission (the checkIn webhook event).
	Admitted func(context.Context, *walletv1.Pass, *walletv1.PassTemplate)
	Log      logr.Logger
	Now      func() time.Time
}

// ServeHTTP checks the scanner key, finds the pass by the barcode read,
// and redeems it unless ?dryRun=true. A wrong key, a template without
// check-in and a template that does not exist get the same 401.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("template")
	tpl, gate, ok := h.authorize(r.Context(), ns, name, r.Header.Get("Authorization"))
	if !ok {
		scans.WithLabelValues("unauthorized").Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="wallet-operator scanners"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unknown scanner key"})
		return
	}
	h.Verified(r)
	if !h.Gates.Get(ns + "/" + name + "/" + gate).Allow() {
		scans.WithLabelValues("rateLimited").Inc()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many scans from this gate; slow down"})
		return
	}
	var req struct {
		Message string `json:"message"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Message == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `the body must be JSON: {"message": "<what the scanner read>"}`})
		return
	}
	dryRun, _ := strconv.ParseBool(r.URL.Query().Get("dryRun"))
	answer, err := h.scan(r, tpl, gate, req.Message, dryRun)
	if err != nil {
		scans.WithLabelValues("failed").Inc()
		h.Log.Error(err, "scan: redeem the pass", "template", ns+"/"+name, "gate", gate)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the pass could not be redeemed now; scan again"})
		return
	}
	scans.WithLabelValues(string(answer.Result)).Inc()
	writeJSON(w, http.StatusOK, answer)
}

// authorize returns the template and the gate whose key the Authorization
// header holds.
func (h *Handler) authorize(ctx context.Context, ns, name, header string) (*walletv1.PassTemplate, string, bool) {
	key, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || key == "" {
		return nil, "", false
	}
	tpl := &walletv1.PassTemplate{}
	if err := h.Cache.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, tpl); err != nil || tpl.Spec.CheckIn == nil {
		return nil, "", false
	}
	creds := &corev1.Secret{}
	if err := h.API.Get(ctx, client.ObjectKey{Namespace: h.CredentialsNamespace, Name: walletv1.PushCredentialsSecretName(ns, name)}, creds); err != nil {
		return nil, "", false
	}
	gate, ok := Gate(creds.Data, key)
	return tpl, gate, ok
}

// scan judges the pass with the barcode message and, when it is admitted,
// redeems it with a write conditioned on the version judged: of two gates
// scanning one ticket at once exactly one write succeeds, and the other
// judges the pass again (alreadyRedeemed).
func (h *Handler) scan(r *http.Request, tpl *walletv1.PassTemplate, gate, message string, dryRun bool) (Answer, error) {
	ctx := r.Context()
	p, err := h.find(ctx, tpl, message)
	if err != nil || p == nil {
		return Answer{Result: Unknown}, err
	}
	a, redeemed, err := Admit(ctx, h.API, p, func(p *walletv1.Pass, now time.Time) Answer { return Judge(p, tpl, now) }, gate, h.Now, dryRun)
	if err != nil || redeemed == nil {
		return a, err
	}
	h.Admitted(ctx, redeemed, tpl)
	return h.withFields(r, a, redeemed, tpl), nil
}

// Admit judges p and, when judge admits it, redeems it at gate with a
// write conditioned on the version judged; after a conflict (another gate,
// or any other write) it reads the pass and judges it again, up to 5
// times. It returns the answer, and the pass it redeemed (nil when it
// redeemed none: not admitted, or a dry run).
func Admit(ctx context.Context, c client.Client, p *walletv1.Pass, judge func(*walletv1.Pass, time.Time) Answer, gate string,
	clock func() time.Time, dryRun bool) (Answer, *walletv1.Pass, error) {
	for attempt := 0; ; attempt++ {
		now := clock()
		a := judge(p, now)
		if a.Result != Admitted || dryRun {
			a.DryRun = dryRun
			return a, nil, nil
		}
		err := Redeem(ctx, c, p, gate, now)
		if err == nil {
			return a, p, nil
		}
		if !apierrors.IsConflict(err) || attempt == 4 {
			return Answer{}, nil, err
		}
		fresh := &walletv1.Pass{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), fresh); err != nil {
			return Answer{}, nil, err
		}
		p = fresh
	}
}

// find returns the pass of the namespace with the barcode message, the
// template's own first (a code may be reused across events).
func (h *Handler) find(ctx context.Context, tpl *walletv1.PassTemplate, message string) (*walletv1.Pass, error) {
	var list walletv1.PassList
	if err := h.Cache.List(ctx, &list, client.InNamespace(tpl.Namespace), client.MatchingFields{index.PassBarcode.Name: message}); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	for i := range list.Items {
		if list.Items[i].Spec.TemplateRef.Name == tpl.Name {
			return list.Items[i].DeepCopy(), nil
		}
	}
	return list.Items[0].DeepCopy(), nil
}

// withFields adds the fields gate staff compare with the holder.
func (h *Handler) withFields(r *http.Request, a Answer, p *walletv1.Pass, tpl *walletv1.PassTemplate) Answer {
	if len(tpl.Spec.CheckIn.DisplayFields) == 0 || p.Status.Bundle == nil {
		return a
	}
	pj, err := h.PassJSON(r, p)
	if err != nil {
		h.Log.Error(err, "scan: the pass's fields for the gate", "pass", p.Namespace+"/"+p.Name)
		return a
	}
	a.Fields = DisplayFields(pj, tpl.Spec.CheckIn.DisplayFields)
	return a
}

// Redeem marks p (left as read) redeemed at the gate, in one write conditioned on p's
// resourceVersion (a conflict when p changed since it was read), with the
// check-in annotations. The manager then re-signs the pass and the web
// service pushes it to the holder's devices.
func Redeem(ctx context.Context, c client.Client, p *walletv1.Pass, gate string, now time.Time) error {
	if p.ResourceVersion == "" {
		return errors.New("redeem: the pass has no resourceVersion to condition the write on")
	}
	updated := p.DeepCopy()
	updated.Spec.Redeemed = true
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	updated.Annotations[walletv1.AnnotationCheckedInAt] = now.UTC().Format(time.RFC3339)
	updated.Annotations[walletv1.AnnotationCheckedInBy] = gate
	return c.Patch(ctx, updated, client.MergeFromWithOptions(p, client.MergeFromWithOptimisticLock{}), client.FieldOwner(FieldOwner))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
