package passcertificate

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/certs"
	"github.com/wallet-operator/wallet-operator/internal/status"
)

// defaultWarning is the Expiring window when spec.expiryWarning is unset.
const defaultWarning = 30 * 24 * time.Hour

func warningWindow(c *walletv1.PassCertificate) time.Duration {
	if c.Spec.ExpiryWarning != nil {
		return c.Spec.ExpiryWarning.Duration
	}
	return defaultWarning
}

// setFacts copies what was read from the certificate into status.
func setFacts(c *walletv1.PassCertificate, f certs.Facts) {
	c.Status.PassTypeIdentifier = f.PassTypeIdentifier
	c.Status.TeamIdentifier = f.TeamIdentifier
	nb, na := metav1.NewTime(f.NotBefore), metav1.NewTime(f.NotAfter)
	c.Status.NotBefore, c.Status.NotAfter = &nb, &na
	c.Status.Fingerprint = f.Fingerprint
	c.Status.Development = f.Development
}

// setReady sets Ready from the first failing check, or True.
func setReady(c *walletv1.PassCertificate, problem error) {
	if problem != nil {
		status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionReady, metav1.ConditionFalse, certs.ReasonOf(problem), problem.Error())
		return
	}
	msg := fmt.Sprintf("signs passes for %s (team %s) until %s", c.Status.PassTypeIdentifier, c.Status.TeamIdentifier, c.Status.NotAfter.UTC().Format(time.RFC3339))
	if c.Status.Development {
		msg += "; a development chain: passes are well-formed but no real device trusts them"
	}
	status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionReady, metav1.ConditionTrue, walletv1.ReasonCertificateValid, msg)
}

// setUnusable reports a Secret that cannot be read as an identity; the
// facts of an earlier identity are cleared, since they no longer hold.
func setUnusable(c *walletv1.PassCertificate, err error) {
	c.Status.PassTypeIdentifier, c.Status.TeamIdentifier, c.Status.Fingerprint = "", "", ""
	c.Status.NotBefore, c.Status.NotAfter, c.Status.Development = nil, nil, false
	status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionReady, metav1.ConditionFalse, certs.ReasonOf(err), err.Error())
	status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionExpiring, metav1.ConditionUnknown, walletv1.ReasonSecretInvalid, "no certificate to check")
}

// setExpiring is True from warning before notAfter on.
func setExpiring(c *walletv1.PassCertificate, f certs.Facts, warning time.Duration, now time.Time) {
	left := f.NotAfter.Sub(now)
	if left <= warning {
		msg := fmt.Sprintf("the certificate expires at %s (in %s): renew it in the Apple Developer portal and update Secret %s",
			f.NotAfter.UTC().Format(time.RFC3339), left.Round(time.Hour), c.Spec.SecretRef.Name)
		if left <= 0 {
			msg = fmt.Sprintf("the certificate expired at %s", f.NotAfter.UTC().Format(time.RFC3339))
		}
		status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionExpiring, metav1.ConditionTrue, walletv1.ReasonExpiringSoon, msg)
		return
	}
	status.Set(&c.Status.Conditions, c.Generation, walletv1.ConditionExpiring, metav1.ConditionFalse, walletv1.ReasonNotExpiring,
		fmt.Sprintf("valid until %s", f.NotAfter.UTC().Format(time.RFC3339)))
}

// nextCheck is how long until something about the certificate changes:
// it becomes valid, enters the warning window, or expires. Zero means
// nothing will.
func nextCheck(f certs.Facts, warning time.Duration, now time.Time) time.Duration {
	var next time.Duration
	for _, at := range []time.Time{f.NotBefore, f.NotAfter.Add(-warning), f.NotAfter} {
		if d := at.Sub(now); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	if next > 0 {
		next += time.Second // land just past the moment
	}
	return next
}
