package webservice

import (
	"net/http"
	"strconv"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
	"github.com/wallet-operator/wallet-operator/internal/tokens"
)

// groupDownload: GET /download-group/{namespace}/{group}/{token}, the
// signed passes of namespace labelled passes.wallet-operator.io/group=group
// as one .pkpasses, which Wallet adds at once (a family's tickets, a
// party's boarding passes). The token is the group's own: holding one
// pass's link reveals neither the group's nor another pass's.
func (s *Server) groupDownload(w http.ResponseWriter, r *http.Request) {
	ns, group, token := r.PathValue("namespace"), r.PathValue("group"), r.PathValue("token")
	if len(ns) > 63 || len(group) > 63 || !tokens.Equal(token, s.opts.Tokens.GroupDownload(ns, group)) {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	var passes walletv1.PassList
	if err := s.cache.List(r.Context(), &passes, client.InNamespace(ns), client.MatchingLabels{walletv1.LabelGroup: group}); err != nil {
		s.log.Error(err, "list a group's passes", "namespace", ns)
		writeError(w, http.StatusServiceUnavailable, "try again in a moment")
		return
	}
	if len(passes.Items) == 0 {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	if len(passes.Items) > pkpass.MaxPassesPerBundle {
		writeError(w, http.StatusUnprocessableEntity, "the group has "+strconv.Itoa(len(passes.Items))+" passes; Wallet adds at most "+strconv.Itoa(pkpass.MaxPassesPerBundle)+" from one download")
		return
	}
	bundles := map[string][]byte{}
	for i := range passes.Items {
		p := &passes.Items[i]
		if tpl := (&walletv1.PassTemplate{}); s.cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: p.Spec.TemplateRef.Name}, tpl) == nil && !tpl.Distributable() {
			writeError(w, http.StatusNotFound, "a pass of the group is not available")
			return
		}
		if p.Status.Bundle == nil || p.DeletionTimestamp != nil {
			// A pass of the group still being signed: the whole group, or
			// nothing (a holder would not know one is missing).
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusServiceUnavailable, "the group's passes are being prepared; try again in a moment")
			return
		}
		b, err := s.assemble(r.Context(), p)
		if err != nil {
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "the group's passes are being updated; try again")
			return
		}
		bundles[p.Name] = b.Zip
	}
	data, err := pkpass.ZipPasses(bundles)
	if err != nil {
		s.log.Error(err, "zip a group's passes", "namespace", ns)
		writeError(w, http.StatusInternalServerError, "cannot bundle the group's passes")
		return
	}
	h := w.Header()
	h.Set("Content-Type", pkpass.PassesMediaType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", `attachment; filename="`+group+`.pkpasses"`)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}
