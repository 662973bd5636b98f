package controllers_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/googlewallet"
)

// jwtPayload decodes a save link's JWT claims (the development key's
// signature is the manager's own; the stand-in tests verify real ones).
func jwtPayload(t *testing.T, saveURL string) map[string]any {
	t.Helper()
	raw, ok := strings.CutPrefix(saveURL, googlewallet.SaveURLPrefix)
	parts := strings.Split(raw, ".")
	if !ok || len(parts) != 3 {
		t.Fatalf("save link %q is not %s<JWT>", saveURL, googlewallet.SaveURLPrefix)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(data, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// Without credentials, a Google Wallet template's passes get development
// save links carrying their objects, and say so; Apple's Ready is untouched.
func TestGoogleWalletWithoutCredentials(t *testing.T) {
	ns, _, _ := env.ApplySamples(t)
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		tpl := &walletv1.PassTemplate{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, tpl); err != nil {
			return err
		}
		tpl.Spec.GoogleWallet = &walletv1.GoogleWallet{IssuerID: "3388000000022222222"}
		return c.Update(ctx, tpl)
	})
	if err != nil {
		t.Fatal(err)
	}
	var p walletv1.Pass
	eventually(t, "coffee-coupon-0001 has a development save link", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon-0001"}, &p)
		g := p.Status.GoogleWallet
		if g == nil {
			return false, "no status.googleWallet"
		}
		cond := apimeta.FindStatusCondition(g.Conditions, walletv1.ConditionGoogleWalletReady)
		return strings.HasPrefix(g.SaveURL, googlewallet.SaveURLPrefix) && cond != nil && cond.Reason == walletv1.ReasonGoogleWalletDevelopment, prettyJSON(g)
	})
	g := p.Status.GoogleWallet
	if g.SignedBy != googlewallet.DevelopmentSigner || g.ObjectID != "3388000000022222222."+idPart(tokenKey.Installation())+"."+ns+".coffee-coupon.cc-0001" {
		t.Errorf("status.googleWallet: signed by %q, object %q", g.SignedBy, g.ObjectID)
	}
	claims := jwtPayload(t, g.SaveURL)
	payload := claims["payload"].(map[string]any)
	object := payload["offerObjects"].([]any)[0].(map[string]any)
	class := payload["offerClasses"].([]any)[0].(map[string]any)
	if claims["aud"] != "google" || claims["typ"] != "savetowallet" || object["id"] != g.ObjectID || class["id"] != "3388000000022222222."+ns+".coffee-coupon" {
		t.Errorf("save link claims: %v", claims)
	}
	if o := claims["origins"].([]any); len(o) != 1 || o[0] != "https://wallet.example.com" {
		t.Errorf("origins %v", o)
	}
	if logo := class["titleImage"].(map[string]any)["sourceUri"].(map[string]any)["uri"].(string); !strings.HasPrefix(logo, webServiceURL+"/google/images/"+ns+"/coffee-coupon/") {
		t.Errorf("the class's logo is at %q; want the web service's image URL", logo)
	}
	if r := apimeta.FindStatusCondition(p.Status.Conditions, walletv1.ConditionReady); r == nil || r.Status != "True" {
		t.Errorf("Apple's Ready: %+v", r)
	}
	tpl := &walletv1.PassTemplate{}
	eventually(t, "the template's class recorded", func() (bool, string) {
		_ = c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "coffee-coupon"}, tpl)
		s := tpl.Status.GoogleWallet
		return s != nil && s.ClassID == "3388000000022222222."+ns+".coffee-coupon" && s.Vertical == walletv1.VerticalOffer, prettyJSON(s)
	})
	// A pass of a template without Google Wallet has no Google status.
	other := &walletv1.Pass{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "member-tom"}, other); err != nil || other.Status.GoogleWallet != nil {
		t.Errorf("member-tom: %v %+v", err, other.Status.GoogleWallet)
	}
}

func prettyJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// idPart is an installation as object IDs write it (base64url: its '_'
// escaped).
func idPart(s string) string { return strings.ReplaceAll(s, "_", "_5f") }
