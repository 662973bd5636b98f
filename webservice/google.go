package webservice

import (
	"net/http"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// androidClient says whether the browser runs on Android, where a save link
// adds the pass to Google Wallet.
func androidClient(r *http.Request) bool { return strings.Contains(r.UserAgent(), "Android") }

// googleSaveURL is the pass's Google Wallet save link, "" when its template
// is no Google Wallet class (yet).
func googleSaveURL(p *walletv1.Pass) string {
	if g := p.Status.GoogleWallet; g != nil {
		return g.SaveURL
	}
	return ""
}

// googleImage: GET /google/images/{namespace}/{template}/{version}/{name}.
// Google fetches a Google Wallet template's images from public URLs; the
// version is a prefix of the image's SHA-256, so an answer never changes
// and may be cached for ever. Templates that are no Google Wallet class
// show nothing.
func (s *Server) googleImage(w http.ResponseWriter, r *http.Request) {
	ns, name, version, file := r.PathValue("namespace"), r.PathValue("template"), r.PathValue("version"), r.PathValue("name")
	var tpl walletv1.PassTemplate
	if err := s.cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &tpl); err != nil || tpl.Spec.GoogleWallet == nil || tpl.Status.SharedBundle == "" {
		writeError(w, http.StatusNotFound, "no such image")
		return
	}
	for _, store := range s.bundles.stores {
		files, err := store.GetShared(r.Context(), ns, tpl.Status.SharedBundle)
		if err != nil {
			continue
		}
		data, ok := files[file]
		if !ok || !strings.HasSuffix(file, ".png") || googlewallet.ImageVersion(data) != version {
			break
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(data)
		return
	}
	writeError(w, http.StatusNotFound, "no such image")
}
