package webservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/time/rate"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/barcodes"
	"github.com/wallet-operator/wallet-operator/internal/status"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
	"github.com/wallet-operator/wallet-operator/webservice/issuance"
)

// issueLink: GET /issue/{namespace}/{template}/{token}. Each visit creates
// a new Pass from the template (a generated serial, the data schema's
// defaults) and redirects to its download link; ?format=qrcode returns the
// QR code of the issue link itself.
func (s *Server) issueLink(w http.ResponseWriter, r *http.Request) {
	ns, name, token := r.PathValue("namespace"), r.PathValue("template"), r.PathValue("token")
	if len(ns) > 63 || len(name) > 253 || !tokens.Equal(token, s.opts.Tokens.Issue(ns, name)) {
		writeError(w, http.StatusNotFound, "no such issue link")
		return
	}
	if r.URL.Query().Get("format") == "qrcode" {
		writeSVG(w, s.absoluteURL(r, r.URL.Path), barcodes.QRSVG)
		return
	}
	tpl := &walletv1.PassTemplate{}
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, tpl); err != nil {
		writeError(w, http.StatusNotFound, "no such issue link")
		return
	}
	if tpl.Spec.Distribution == nil || !tpl.Spec.Distribution.IssueLinks {
		writeError(w, http.StatusNotFound, "this template does not hand out passes by link")
		return
	}
	if !status.IsReady(tpl.Status.Conditions, tpl.Generation) || tpl.Status.PassTypeIdentifier == "" || !s.slotsSynced() {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "passes of this template cannot be issued right now")
		return
	}
	limit := DefaultIssueLimit
	if l := tpl.Spec.Distribution.Limit; l != nil {
		limit = int(*l)
	}
	// The count and the limiter come before any write: a used-up link and
	// a flood both cost a map lookup.
	if s.slots.Issued(ns, name) >= limit {
		writeError(w, http.StatusGone, "all passes of this link have been handed out")
		return
	}
	if !s.issueLimiter(ns + "/" + name).Allow() {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusTooManyRequests, "too many passes issued from this link right now; try again shortly")
		return
	}
	serial := randomHex(10)
	_, err := s.issueNext(r.Context(), tpl, serial, limit)
	switch {
	case errors.Is(err, errLimitReached):
		writeError(w, http.StatusGone, "all passes of this link have been handed out")
		return
	case errors.Is(err, errSlotsBusy):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "many passes are being issued from this link right now; try again shortly")
		return
	case err != nil:
		s.log.Error(err, "create a pass from an issue link", "template", ns+"/"+name)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	issuedTotal.WithLabelValues(ns, name).Inc()
	ptid := tpl.Status.PassTypeIdentifier
	link := strings.TrimSuffix(s.opts.WebServiceURL, "/") + "/download/" + url.PathEscape(ptid) + "/" + serial + "/" + s.opts.Tokens.Download(ns, ptid, serial)
	http.Redirect(w, r, link, http.StatusSeeOther)
}

func (s *Server) issueLimiter(key string) *rate.Limiter {
	perSecond := rate.Limit(float64(s.opts.IssueRatePerMinute) / 60)
	l, _ := s.issue.LoadOrStore(key, rate.NewLimiter(perSecond, max(s.opts.IssueRatePerMinute/6, 1)))
	return l.(*rate.Limiter)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// schemaDefaults is an object of the top-level defaults of the template's
// data schema: what an issued pass starts with.
func schemaDefaults(tpl *walletv1.PassTemplate) []byte {
	out := map[string]any{}
	if tpl.Spec.DataSchema != nil {
		var schema struct {
			Properties map[string]struct {
				Default any `json:"default"`
			} `json:"properties"`
		}
		if json.Unmarshal(tpl.Spec.DataSchema.Raw, &schema) == nil {
			for k, p := range schema.Properties {
				if p.Default != nil {
					out[k] = p.Default
				}
			}
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// DefaultIssueLimit is how many passes a template's issue links create
// when spec.distribution.limit is not set.
const DefaultIssueLimit = 1000

var (
	errLimitReached = errors.New("issue limit reached")
	errSlotsBusy    = errors.New("every slot tried was taken")
)

// slotTries bounds the creates one visit makes: a slot the cache thought
// free may have been taken by another replica an instant before.
const slotTries = 4

// issueNext creates the next pass of a template's issue link, exactly within
// limit across replicas: it creates the pass of the lowest slot this
// replica believes free (issuance.Slots), and on AlreadyExists tries the
// next, a few times at most.
func (s *Server) issueNext(ctx context.Context, tpl *walletv1.PassTemplate, serial string, limit int) (*walletv1.Pass, error) {
	for range slotTries {
		slot := s.slots.Reserve(tpl.Namespace, tpl.Name, limit)
		if slot == 0 {
			return nil, errLimitReached
		}
		p := &walletv1.Pass{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: tpl.Namespace, Name: issuance.PassName(tpl.Name, slot),
				Labels: map[string]string{walletv1.LabelIssuedBy: walletv1.LabelValue(tpl.Name)},
			},
			Spec: walletv1.PassSpec{
				TemplateRef:  walletv1.LocalObjectReference{Name: tpl.Name},
				SerialNumber: serial,
				Data:         &apiextensionsv1.JSON{Raw: schemaDefaults(tpl)},
			},
		}
		err := s.api.Create(ctx, p)
		if err == nil {
			return p, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			s.slots.Release(tpl.Namespace, tpl.Name, slot)
			return nil, err
		}
	}
	return nil, errSlotsBusy
}
