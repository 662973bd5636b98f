package pass

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/bundle"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// setRedeemed records when the pass was first seen redeemed.
func setRedeemed(p *walletv1.Pass, now time.Time) {
	switch {
	case p.Spec.Redeemed && p.Status.RedeemedAt == nil:
		t := metav1.NewTime(now.Truncate(time.Second))
		p.Status.RedeemedAt = &t
	case !p.Spec.Redeemed:
		p.Status.RedeemedAt = nil
	}
}

func setNotReady(p *walletv1.Pass, reason, message string) {
	if p.Status.Bundle != nil {
		message += "; the last good bundle is still served"
	}
	status.Set(&p.Status.Conditions, p.Generation, walletv1.ConditionReady, metav1.ConditionFalse, reason, message)
}

// setReady says where the signed bundle is; unmodelled are pass.json keys
// given through passJSON, named so nobody takes them for the typed API.
func setReady(p *walletv1.Pass, unmodelled []string) {
	b := p.Status.Bundle
	msg := fmt.Sprintf("signed and stored in the %s store, content %s, last changed %s", storeOf(b), short(b.ContentDigest), b.LastModified.UTC().Format(time.RFC3339))
	if len(unmodelled) > 0 {
		msg += "; unmodelled keys from passJSON: " + strings.Join(unmodelled, ", ")
	}
	status.Set(&p.Status.Conditions, p.Generation, walletv1.ConditionReady, metav1.ConditionTrue, walletv1.ReasonSigned, msg)
}

// storeOf names the store of a bundle for people; status.bundle has its key
// (not repeated here: every byte of a pass's status is kept in etcd).
func storeOf(b *walletv1.BundleStatus) string {
	if b.Store == "" {
		return bundle.KindConfigMap
	}
	return b.Store
}

// setDownloadURL publishes the pass's download link when a web service is
// configured: {webServiceURL}/download/{passType}/{serial}/{token}, and
// its group's when it is in one.
func setDownloadURL(p *walletv1.Pass, o Options) {
	if o.WebServiceURL == "" || p.Status.PassTypeIdentifier == "" {
		p.Status.DownloadURL, p.Status.GroupDownloadURL = "", ""
		return
	}
	base := strings.TrimSuffix(o.WebServiceURL, "/")
	p.Status.DownloadURL = base + "/download/" +
		url.PathEscape(p.Status.PassTypeIdentifier) + "/" + url.PathEscape(p.Spec.SerialNumber) + "/" +
		o.Tokens.Download(p.Namespace, p.Status.PassTypeIdentifier, p.Spec.SerialNumber)
	// A group's link: {webServiceURL}/download-group/{namespace}/{group}/{token}.
	p.Status.GroupDownloadURL = ""
	if group := p.Labels[walletv1.LabelGroup]; group != "" {
		p.Status.GroupDownloadURL = base + "/download-group/" + p.Namespace + "/" + url.PathEscape(group) + "/" + o.Tokens.GroupDownload(p.Namespace, group)
	}
}

// setBarcode records the barcode the signed bundle shows, as a scanner
// reads it; nil when the pass shows none.
func setBarcode(p *walletv1.Pass, pj *passjson.Pass) {
	if pj == nil {
		return
	}
	if len(pj.Barcodes) == 0 {
		p.Status.Barcode = nil
		return
	}
	p.Status.Barcode = &walletv1.PassBarcodeStatus{Message: pj.Barcodes[0].Message, Format: walletv1.BarcodeFormat(pj.Barcodes[0].Format)}
}

// setExpired records whether the signed pass's expiration date has passed,
// and says when to look again (0: never).
func setExpired(p *walletv1.Pass, pj *passjson.Pass, now time.Time) time.Duration {
	if pj == nil {
		return 0
	}
	expires, err := time.Parse(time.RFC3339, pj.ExpirationDate)
	if err != nil {
		p.Status.Expired = false
		return 0
	}
	p.Status.Expired = !now.Before(expires)
	if p.Status.Expired {
		return 0
	}
	return expires.Sub(now) + time.Second
}
