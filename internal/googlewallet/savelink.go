package googlewallet

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2/google"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// SaveURLPrefix starts every save link.
const SaveURLPrefix = "https://pay.google.com/gp/v/save/"

// DevelopmentSigner is the name status.googleWallet.signedBy gives the
// development key.
const DevelopmentSigner = "development"

// Signer signs save links with a service account's key, or with a
// development key (no credentials: Google refuses its links, which still
// show what would be saved).
type Signer struct {
	// Email of the service account (the JWT's issuer); DevelopmentSigner
	// for a development key.
	Email string
	KeyID string
	Key   *rsa.PrivateKey
}

// Development says the signer is a development key.
func (s *Signer) Development() bool { return s.Email == DevelopmentSigner }

// ServiceAccountSigner reads a service account's JSON key (as the Google
// Cloud console downloads it).
func ServiceAccountSigner(jsonKey []byte) (*Signer, error) {
	cfg, err := google.JWTConfigFromJSON(jsonKey)
	if err != nil {
		// Not wrapped: the parser's message quotes the Secret's content.
		return nil, errors.New("not a service account JSON key as the Google Cloud console issues it")
	}
	if cfg.Email == "" {
		return nil, errors.New("the service account JSON key has no client_email")
	}
	key, err := parseRSAKey(cfg.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("the service account JSON key's private_key: %w", err)
	}
	return &Signer{Email: cfg.Email, KeyID: cfg.PrivateKeyID, Key: key}, nil
}

func parseRSAKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("not an RSA key")
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

// NewDevelopmentSigner generates a development key.
func NewDevelopmentSigner() (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &Signer{Email: DevelopmentSigner, KeyID: "development", Key: key}, nil
}

// payloadKeys are the JWT payload's lists per vertical.
var payloadKeys = map[walletv1.GoogleWalletVertical][2]string{
	walletv1.VerticalGeneric:     {"genericClasses", "genericObjects"},
	walletv1.VerticalOffer:       {"offerClasses", "offerObjects"},
	walletv1.VerticalLoyalty:     {"loyaltyClasses", "loyaltyObjects"},
	walletv1.VerticalEventTicket: {"eventTicketClasses", "eventTicketObjects"},
	walletv1.VerticalTransit:     {"transitClasses", "transitObjects"},
	walletv1.VerticalFlight:      {"flightClasses", "flightObjects"},
}

// SaveURL signs a save link for m's object: RS256, aud google, typ
// savetowallet, the origins the "Add to Google Wallet" button may be shown
// on. With full, the JWT carries the class and the object themselves (Google
// creates them when the link is used: nothing was sent beforehand);
// without, only the object's ID and class ID (already inserted through the
// API).
func (s *Signer) SaveURL(m *Mapped, origins []string, full bool, now time.Time) (string, error) {
	keys, ok := payloadKeys[m.Vertical]
	if !ok {
		return "", fmt.Errorf("no save link for vertical %q", m.Vertical)
	}
	payload := map[string]any{}
	if full {
		payload[keys[0]] = []any{m.Class}
		payload[keys[1]] = []any{m.Object}
	} else {
		id, class := ids(m)
		payload[keys[1]] = []any{map[string]string{"id": id, "classId": class}}
	}
	if origins == nil {
		origins = []string{}
	}
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": s.Email, "aud": "google", "typ": "savetowallet", "iat": now.Unix(),
		"origins": origins, "payload": payload,
	})
	if s.KeyID != "" {
		token.Header["kid"] = s.KeyID
	}
	signed, err := token.SignedString(s.Key)
	if err != nil {
		return "", err
	}
	return SaveURLPrefix + signed, nil
}

// PassSaveURL is the pass's Google Wallet save link, "" when its template
// is no Google Wallet class (yet).
func PassSaveURL(p *walletv1.Pass) string {
	if g := p.Status.GoogleWallet; g != nil {
		return g.SaveURL
	}
	return ""
}

// Saveable: the pass's save link is one Google takes (signed by the
// template's service account). A development link is Google's refusal
// page: an Android visitor is shown the preview instead (and may still
// follow the link from there, or ask for ?format=googlewallet).
func Saveable(p *walletv1.Pass) bool {
	g := p.Status.GoogleWallet
	return g != nil && g.SaveURL != "" && g.SignedBy != "" && g.SignedBy != DevelopmentSigner
}
