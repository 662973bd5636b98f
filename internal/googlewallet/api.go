package googlewallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/walletobjects/v1"
)

// Account is an issuer's service account: it signs save links and talks
// to the Google Wallet API (walletobjects, OAuth2 through x/oauth2/google).
type Account struct {
	Signer  *Signer
	service *walletobjects.Service
}

// TokenURL is Google's OAuth2 token endpoint, the token_uri of the keys
// the Google Cloud console issues.
const TokenURL = "https://oauth2.googleapis.com/token"

// NewAccount reads a service account JSON key. endpoint is the API's
// (Google's when empty); tokenURL the one token endpoint a key may name
// (TokenURL when empty): a key comes from a tenant's Secret, and its
// token_uri must not make the manager call an address of the tenant's
// choosing. httpClient carries both the token and the API requests
// (DefaultHTTPClient when nil).
func NewAccount(ctx context.Context, jsonKey []byte, endpoint, tokenURL string, httpClient *http.Client) (*Account, error) {
	signer, err := ServiceAccountSigner(jsonKey)
	if err != nil {
		return nil, err
	}
	cfg, err := google.JWTConfigFromJSON(jsonKey, walletobjects.WalletObjectIssuerScope)
	if err != nil {
		return nil, err
	}
	if tokenURL == "" {
		tokenURL = TokenURL
	}
	if cfg.TokenURL != tokenURL {
		return nil, fmt.Errorf("its token_uri is not Google's token endpoint %s: use the key as the Google Cloud console issues it", tokenURL)
	}
	if httpClient == nil {
		httpClient = DefaultHTTPClient
	}
	// The token source outlives this call: it gets a context of its own.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, httpClient)
	client := &http.Client{Transport: &oauth2.Transport{Source: cfg.TokenSource(tokenCtx), Base: httpClient.Transport}, Timeout: httpClient.Timeout}
	opts := []option.ClientOption{option.WithHTTPClient(client)}
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
	}
	svc, err := walletobjects.NewService(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &Account{Signer: signer, service: svc}, nil
}

// DefaultHTTPClient carries Google Wallet traffic: every request bounded
// in time (a call that never answers cannot hold a worker), redirects not
// followed.
var DefaultHTTPClient = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Upsert sends a class or an object (a walletobjects type Map made):
// patched when Google should have it (known), inserted when not; a 404 on
// patch inserts, a 409 on insert patches.
func (a *Account) Upsert(ctx context.Context, v any, known bool) error {
	insert, patch, err := a.calls(ctx, v)
	if err != nil {
		return err
	}
	if known {
		err := patch()
		if Code(err) != http.StatusNotFound {
			return err
		}
	}
	err = insert()
	if Code(err) == http.StatusConflict {
		return patch()
	}
	return err
}

// Code is an API error's HTTP status, 0 for any other error.
func Code(err error) int {
	var api *googleapi.Error
	if errors.As(err, &api) {
		return api.Code
	}
	var token *oauth2.RetrieveError
	if errors.As(err, &token) && token.Response != nil {
		return token.Response.StatusCode
	}
	return 0
}

// Message is what the API said, or the error.
func Message(err error) string {
	var api *googleapi.Error
	if errors.As(err, &api) && api.Message != "" {
		return fmt.Sprintf("%d %s", api.Code, api.Message)
	}
	// A token endpoint's answer is not Google's JSON error: its body (which
	// a conditions reader must not see) stays out, its OAuth error code in.
	var token *oauth2.RetrieveError
	if errors.As(err, &token) {
		msg := "the token endpoint refused the service account"
		if token.Response != nil {
			msg += fmt.Sprintf(" (HTTP %d)", token.Response.StatusCode)
		}
		if code := oauthErrorCode(token); code != "" {
			msg += ": " + code
		}
		return msg
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "no answer in time"
	}
	return err.Error()
}

// oauthErrorCode is the RFC 6749 error code of a token endpoint's answer
// (x/oauth2/jwt does not parse it), if it has that shape.
func oauthErrorCode(e *oauth2.RetrieveError) string {
	code := e.ErrorCode
	if code == "" {
		var answer struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(e.Body, &answer)
		code = answer.Error
	}
	if len(code) > 64 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return ""
	}
	return code
}

// Retryable: throttled, a server error, or no answer at all.
func Retryable(err error) bool {
	c := Code(err)
	return c == 0 || c == http.StatusTooManyRequests || c >= 500
}

func (a *Account) calls(ctx context.Context, v any) (insert, patch func() error, err error) {
	s := a.service
	switch o := v.(type) {
	case *walletobjects.GenericClass:
		return func() error { _, err := s.Genericclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Genericclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.GenericObject:
		return func() error { _, err := s.Genericobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Genericobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.OfferClass:
		return func() error { _, err := s.Offerclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Offerclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.OfferObject:
		return func() error { _, err := s.Offerobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Offerobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.LoyaltyClass:
		return func() error { _, err := s.Loyaltyclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Loyaltyclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.LoyaltyObject:
		return func() error { _, err := s.Loyaltyobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Loyaltyobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.EventTicketClass:
		return func() error { _, err := s.Eventticketclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Eventticketclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.EventTicketObject:
		return func() error { _, err := s.Eventticketobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Eventticketobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.TransitClass:
		return func() error { _, err := s.Transitclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Transitclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.TransitObject:
		return func() error { _, err := s.Transitobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Transitobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.FlightClass:
		return func() error { _, err := s.Flightclass.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Flightclass.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	case *walletobjects.FlightObject:
		return func() error { _, err := s.Flightobject.Insert(o).Context(ctx).Do(); return err },
			func() error { _, err := s.Flightobject.Patch(o.Id, o).Context(ctx).Do(); return err }, nil
	}
	return nil, nil, fmt.Errorf("no Google Wallet API call for %T", v)
}
