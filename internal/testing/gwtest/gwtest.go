// Package gwtest is an HTTPS stand-in for the Google Wallet REST API and
// Google's OAuth2 token endpoint, for tests: it grants tokens only for
// assertions signed by the service accounts it issued keys for, keeps the
// classes and objects it is sent, answers like the API (404 for an unknown
// resource or an object of a class it does not have, 403 for an issuer the
// service account does not belong to, 400 for a resource the client
// library's schema refuses, 409 for an insert of an existing one, scripted
// 429s and 500s) and records every request.
package gwtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wallet-operator/wallet-operator/internal/testing/walletschema"
)

// Request is one API request the stand-in received (token requests are
// not recorded).
type Request struct {
	Method string
	// Collection is e.g. offerClass, offerObject; ID the resource's, for a
	// GET or PATCH.
	Collection, ID string
	Body           map[string]any
	// Status answered.
	Status int
}

// Server is the stand-in.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	accounts  map[string]*rsa.PublicKey // by client_email
	issuers   map[string][]string       // the issuer IDs each account belongs to
	tokens    map[string]string         // access tokens it granted: their account
	schema    walletschema.Types
	resources map[string]map[string]any // by collection + "/" + id
	requests  []Request
	scripts   map[string][]int // per collection/id: status codes to answer its next requests with
	hung      map[string]bool  // collection/id answered never
}

// Start starts a stand-in.
func Start() *Server {
	schema, err := walletschema.Load()
	if err != nil {
		panic(err)
	}
	s := &Server{accounts: map[string]*rsa.PublicKey{}, issuers: map[string][]string{}, tokens: map[string]string{}, schema: schema,
		resources: map[string]map[string]any{}, scripts: map[string][]int{}, hung: map[string]bool{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Endpoint is the API's base URL, for option.WithEndpoint.
func (s *Server) Endpoint() string { return s.URL + "/" }

// TokenURL is the stand-in's token endpoint, the token_uri of the keys it
// issues.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// ServiceAccountKey issues a service account JSON key whose token_uri is
// the stand-in's, as the Google Cloud console would download it, for an
// account added as a user of these issuers (the Business Console's
// "Users"): classes and objects of any other issuer are refused with 403.
func (s *Server) ServiceAccountKey(email string, issuers ...string) ([]byte, *rsa.PublicKey) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	s.mu.Lock()
	s.accounts[email] = &key.PublicKey
	s.issuers[email] = issuers
	s.mu.Unlock()
	data, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "wallet-test", "private_key_id": "key-" + email,
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": email, "client_id": "1", "token_uri": s.URL + "/token",
	})
	return data, &key.PublicKey
}

// FailNext answers the next requests for one class or object (its
// collection, e.g. offerObject, and ID) with these status codes; requests
// for anything else are answered as usual.
func (s *Server) FailNext(collection, id string, codes ...int) {
	s.mu.Lock()
	key := collection + "/" + id
	s.scripts[key] = append(s.scripts[key], codes...)
	s.mu.Unlock()
}

// Hang makes every request for one class or object wait until its client
// gives up, as a server that accepted the connection and never answers.
func (s *Server) Hang(collection, id string) {
	s.mu.Lock()
	s.hung[collection+"/"+id] = true
	s.mu.Unlock()
}

// Requests are the API requests so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Resource is a class or object as the stand-in holds it, nil if none.
func (s *Server) Resource(collection, id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.resources[collection+"/"+id]; r != nil {
		return maps.Clone(r)
	}
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		s.token(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/walletobjects/v1/")
	if !ok {
		apiError(w, http.StatusNotFound, "no such API")
		return
	}
	collection, id, _ := strings.Cut(rest, "/")
	req := Request{Method: r.Method, Collection: collection, ID: id}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &req.Body)
	if s.hangs(&req) {
		<-r.Context().Done()
		return
	}
	code, answer := s.answer(r, &req)
	s.mu.Lock()
	req.Status = code
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if code != http.StatusOK {
		apiError(w, code, answer.(string))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (s *Server) hangs(req *Request) bool {
	id := req.ID
	if id == "" {
		id, _ = req.Body["id"].(string)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hung[req.Collection+"/"+id]
}

func (s *Server) answer(r *http.Request, req *Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	account := s.tokens[token]
	if !ok || account == "" {
		return http.StatusUnauthorized, "Request had invalid authentication credentials."
	}
	id := req.ID
	if id == "" {
		id, _ = req.Body["id"].(string)
	}
	if script := s.scripts[req.Collection+"/"+id]; len(script) > 0 {
		s.scripts[req.Collection+"/"+id] = script[1:]
		return script[0], fmt.Sprintf("scripted %d", script[0])
	}
	if issuer, _, _ := strings.Cut(id, "."); id != "" && !slices.Contains(s.issuers[account], issuer) {
		return http.StatusForbidden, fmt.Sprintf("The caller does not have permission: %s is not a user of issuer %s", account, issuer)
	}
	switch {
	case r.Method == http.MethodPost && req.ID == "":
		key := req.Collection + "/" + id
		if id == "" {
			return http.StatusBadRequest, "Invalid resource ID"
		}
		if s.resources[key] != nil {
			return http.StatusConflict, fmt.Sprintf("Resource already exists: %s", id)
		}
		if code, msg := s.refuses(req.Collection, req.Body); code != 0 {
			return code, msg
		}
		s.resources[key] = req.Body
		return http.StatusOK, req.Body
	case r.Method == http.MethodPatch || r.Method == http.MethodGet:
		key := req.Collection + "/" + req.ID
		cur := s.resources[key]
		if cur == nil {
			return http.StatusNotFound, fmt.Sprintf("Resource not found: %s", req.ID)
		}
		if r.Method == http.MethodPatch {
			// Google checks the resource the patch makes.
			patched := maps.Clone(cur)
			maps.Copy(patched, req.Body)
			if code, msg := s.refuses(req.Collection, patched); code != 0 {
				return code, msg
			}
			s.resources[key] = patched
			cur = patched
		}
		return http.StatusOK, cur
	}
	return http.StatusMethodNotAllowed, "not a Google Wallet API call"
}

// refuses says what Google answers a class or object of collection
// (offerClass, offerObject, ...) that would be stored as resource: 400
// when the client library's schema refuses it, 404 when it is an object
// of a class that does not exist; 0 when it is accepted.
func (s *Server) refuses(collection string, resource map[string]any) (int, string) {
	typ := strings.ToUpper(collection[:1]) + collection[1:]
	if problems := s.schema.Check(typ, collection, resource); len(problems) > 0 {
		return http.StatusBadRequest, "Invalid resource: " + strings.Join(problems, "; ")
	}
	if kind, ok := strings.CutSuffix(collection, "Object"); ok {
		classID, _ := resource["classId"].(string)
		if s.resources[kind+"Class/"+classID] == nil {
			return http.StatusNotFound, fmt.Sprintf("Class not found: %s", classID)
		}
	}
	return 0, ""
}

// token grants an access token for a JWT-bearer assertion signed by a
// service account the stand-in issued, for the wallet scope.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	var claims jwt.MapClaims
	_, err := jwt.ParseWithClaims(r.Form.Get("assertion"), &claims, func(t *jwt.Token) (any, error) {
		iss, _ := t.Claims.GetIssuer()
		s.mu.Lock()
		defer s.mu.Unlock()
		if k := s.accounts[iss]; k != nil {
			return k, nil
		}
		return nil, fmt.Errorf("unknown service account %q", iss)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(s.URL+"/token"))
	if err != nil || !strings.Contains(fmt.Sprint(claims["scope"]), "https://www.googleapis.com/auth/wallet_object.issuer") {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	iss, _ := claims.GetIssuer()
	token := "token-for-" + iss
	s.mu.Lock()
	s.tokens[token] = iss
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
}

func apiError(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message}})
}
