package webuntistest

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// Endpoint names, for [Server.InjectFault] and [Server.Requests].
const (
	EndpointDiscovery = "discovery"
	EndpointJWKS      = "jwks"
	EndpointAuthorize = "authorize"
	EndpointToken     = "token"
	EndpointOneRoster = "oneroster"
)

// Tenant is one school with one platform application. Each zero field is
// filled in with its default, alone: a Tenant that sets only RedirectURLs
// gets ID "1234", ClientID "oauthkit-demo" and random credentials.
// [Server.Tenant] returns the tenant as filled in.
type Tenant struct {
	// ID is the school's tenant id. Zero: "1234" (required by
	// [Server.AddTenant]).
	ID string
	// ClientID is the platform application's OIDC client id. Zero:
	// "oauthkit-demo".
	ClientID string
	// ClientSecret is the OIDC secret, for the code flow. Zero: random.
	ClientSecret string
	// Password is the platform password, for client credentials. Zero:
	// random.
	Password string
	// RedirectURLs are the PAM-configured redirect URLs. Zero:
	// "http://127.0.0.1/auth/webuntis/callback", which matches on any port
	// as every loopback one does (RFC 8252 §7.3).
	RedirectURLs []string

	// Users and Classes are how many OneRoster users and classes the
	// school has. Zero: 30 users, 6 classes.
	Users, Classes int
}

// withDefaults returns t with each zero field filled in (see [Tenant]).
func (t Tenant) withDefaults() Tenant {
	if t.ID == "" {
		t.ID = "1234"
	}
	if t.ClientID == "" {
		t.ClientID = "oauthkit-demo"
	}
	if t.ClientSecret == "" {
		t.ClientSecret = fakeidp.Random(24)
	}
	if t.Password == "" {
		t.Password = fakeidp.Random(24)
	}
	if len(t.RedirectURLs) == 0 {
		t.RedirectURLs = []string{defaultRedirectURL}
	}
	t.RedirectURLs = slices.Clone(t.RedirectURLs)
	return t
}

// User is who is signed in to WebUntis in the simulated browser. The zero
// User is no session: the authorization endpoint then answers with
// WebUntis' login page instead of redirecting.
type User struct {
	// Subject is the ID token's sub, the one claim the vendor promises.
	Subject string
	// Claims are more ID-token claims, as with the "untis-profile" scope
	// ("name", "email", …); they do not replace the standard ones.
	Claims map[string]any
}

// Options configures a Server. Every zero value is usable.
type Options struct {
	// Tenant is the first tenant; its zero fields get the defaults
	// [Tenant] lists.
	Tenant Tenant
	// Now is the server's clock (token and code expiry, ID-token times).
	// Zero: time.Now.
	Now func() time.Time
	// TokenLifetime of client-credentials tokens. Zero: 180 s, the vendor's.
	TokenLifetime time.Duration
	// LoginPage makes the authorization endpoint answer a sign-in page
	// with a "Sign in" button, and issue the code only when it is posted.
	// Zero: the user has a WebUntis session, and authorize redirects at
	// once.
	LoginPage bool
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the fake's API URL: use it as webuntis.Config.BaseURL.
	URL string

	srv      *httptest.Server
	now      fakeidp.Clock
	lifetime time.Duration
	login    bool
	key      *fakeidp.Key
	codes    fakeidp.Codes
	tokens   fakeidp.Tokens
	in       fakeidp.Instruments

	mu      sync.Mutex
	tenants map[string]Tenant
	first   string
	user    User
	issued  uint64            // tokens issued so far, numbering them
	revoked map[string]uint64 // per tenant: tokens numbered up to this are revoked
}

// NewServer starts a fake. Close it when done.
func NewServer(o Options) *Server {
	s := &Server{
		now:      fakeidp.Clock(o.Now),
		lifetime: o.TokenLifetime,
		login:    o.LoginPage,
		key:      fakeidp.SharedKey(),
		tenants:  map[string]Tenant{},
		revoked:  map[string]uint64{},
		user:     User{Subject: "untis-user-1"},
	}
	if s.lifetime <= 0 {
		s.lifetime = 180 * time.Second
	}
	t := o.Tenant.withDefaults()
	s.first = t.ID
	s.AddTenant(t)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /WebUntis/api/sso/v3/{tenant}/.well-known/openid-configuration", s.handle(EndpointDiscovery, s.discovery))
	mux.HandleFunc("GET /WebUntis/api/sso/v3/{tenant}/jwks", s.handle(EndpointJWKS, s.jwks))
	mux.HandleFunc("/WebUntis/api/sso/v3/{tenant}/authorize", s.handle(EndpointAuthorize, s.authorize))
	mux.HandleFunc("/WebUntis/api/sso/v3/{tenant}/token", s.handle(EndpointToken, s.token))
	mux.HandleFunc("GET /ims/oneroster/v1p1/users", s.handle(EndpointOneRoster, s.oneRoster("users")))
	mux.HandleFunc("GET /ims/oneroster/v1p1/classes", s.handle(EndpointOneRoster, s.oneRoster("classes")))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddTenant registers another tenant, replacing one with the same ID. Its
// ID is required (AddTenant panics without one); every other zero field
// gets the default [Tenant] lists.
func (s *Server) AddTenant(t Tenant) {
	if t.ID == "" {
		panic("webuntistest: AddTenant: Tenant.ID is required")
	}
	t = t.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants[t.ID] = t
}

// Tenant returns the first tenant as filled in, with its generated
// credentials.
func (s *Server) Tenant() Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[s.first]
}

// defaultRedirectURL is the redirect URL registered when none is: the
// callback of a package web handler at its default BasePath, on any
// loopback port.
const defaultRedirectURL = "http://127.0.0.1/auth/webuntis/callback"

// Config returns a webuntis.Config for the first tenant against this server,
// with both credentials and the first redirect URL. The default one,
// http://127.0.0.1/auth/webuntis/callback, names no port: give the
// application's callback URL with [Server.ConfigFor] once it listens.
func (s *Server) Config() webuntis.Config {
	t := s.Tenant()
	return webuntis.Config{
		BaseURL:      s.URL,
		Tenant:       t.ID,
		ClientID:     t.ClientID,
		ClientSecret: oauthkit.Secret(t.ClientSecret),
		Password:     oauthkit.Secret(t.Password),
		RedirectURL:  t.RedirectURLs[0],
		HTTPClient:   s.Client(),
		Now:          s.now,
	}
}

// ConfigFor returns [Server.Config] with the application's callback URL as
// its RedirectURL, such as http://127.0.0.1:8080/auth/webuntis/callback
// once the application listens. The URL must be registered for the first
// tenant (Tenant.RedirectURLs), a loopback one on any port (RFC 8252 §7.3),
// so the default registration takes the callback of a package web handler
// at its default BasePath on whatever port the application got. ConfigFor
// panics for any other URL: WebUntis would refuse every login with it.
func (s *Server) ConfigFor(redirectURL string) webuntis.Config {
	cfg := s.Config()
	t := s.Tenant()
	if !fakeidp.RedirectRegistered(t.RedirectURLs, redirectURL) {
		panic(fmt.Sprintf("webuntistest: ConfigFor: redirect URL %q is not registered for tenant %s; register it in Tenant.RedirectURLs (registered: %q)", redirectURL, t.ID, t.RedirectURLs))
	}
	cfg.RedirectURL = redirectURL
	return cfg
}

// SetUser sets who is signed in to WebUntis in the simulated browser. The
// zero User ends the session.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// InjectFault makes endpoint answer with f instead of normally.
func (s *Server) InjectFault(endpoint string, f oauthkittest.Fault) { s.in.Faults.Inject(endpoint, f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.in.Faults.Clear() }

// Requests returns how many requests endpoint has received.
func (s *Server) Requests(endpoint string) int { return s.in.Count.Get(endpoint) }

// Issuer returns the first tenant's issuer,
// {URL}/WebUntis/api/sso/v3/{tenant}. Each tenant has its own: replace the
// last path segment for another.
func (s *Server) Issuer() string { return s.issuer(s.Tenant().ID) }

func (s *Server) issuer(tenant string) string {
	return s.URL + "/WebUntis/api/sso/v3/" + url.PathEscape(tenant)
}

// SignIDToken signs claims with the server's key, as its ID tokens are.
func (s *Server) SignIDToken(claims map[string]any) string { return s.key.Sign(claims) }

// Authorize plays the browser of a signed-in user who approves: it
// requests authURL from the server without following the redirect (signing
// in on the login page, with [Options.LoginPage]), and returns the URL
// WebUntis redirects to (the application's callback with code and state,
// or an error redirect).
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, false)
}

// Deny plays a user who cancels (the login page's Cancel button, with
// [Options.LoginPage]): the callback carries error=access_denied and the
// state (RFC 6749 §4.1.2.1; the vendor documents no error redirect of its
// own).
func (s *Server) Deny(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, true)
}

// SignIn plays a user's browser with client, a test's client with a cookie
// jar (nil: [Server.Client]), without scraping HTML: from startURL — the
// application's login URL, such as
// http://127.0.0.1:8080/auth/webuntis/login — it follows redirects to the
// fake's authorization endpoint, signs in there (on the login page with
// [Options.LoginPage]) and returns the URL WebUntis redirects to: the
// application's callback with code and state, not followed. Request it with
// the same client, whose jar holds the application's cookies.
func (s *Server) SignIn(ctx context.Context, client *http.Client, startURL string) (*url.URL, error) {
	if client == nil {
		client = s.Client()
	}
	return fakeidp.SignIn(ctx, client, startURL, fakeidp.Endpoint(s.URL, func(p string) bool {
		return strings.HasPrefix(p, "/WebUntis/api/sso/v3/") && strings.HasSuffix(p, "/authorize")
	}), false)
}

func (s *Server) handle(endpoint string, h func(http.ResponseWriter, *http.Request, Tenant)) http.HandlerFunc {
	return s.in.Wrap(endpoint, func(w http.ResponseWriter, r *http.Request) {
		var t Tenant
		if id := r.PathValue("tenant"); id != "" {
			s.mu.Lock()
			tt, ok := s.tenants[id]
			s.mu.Unlock()
			if !ok {
				http.Error(w, "unknown tenant", http.StatusNotFound)
				return
			}
			t = tt
		}
		h(w, r, t)
	})
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, t Tenant) {
	base := s.issuer(t.ID)
	fakeidp.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/token",
		"jwks_uri":                              base + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "roster-core.readonly", "untis-profile"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request, t Tenant) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(fakeidp.JWKS(s.key))
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, t Tenant) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != t.ClientID {
		fakeidp.OAuthError(w, http.StatusBadRequest, "unauthorized_client", "unknown client_id")
		return
	}
	if !fakeidp.RedirectRegistered(t.RedirectURLs, redirect) {
		// docs/vendors/webuntis.md#redirect-uri: a redirect_uri that does not
		// match PAM gives "invalid_ressource". A loopback one matches on any
		// port (RFC 8252 §7.3), the fake's choice: the vendor's pages are
		// silent on loopback redirect URIs.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_ressource", "redirect_uri does not match the configured domain and sso-redirect-path")
		return
	}
	back := func(params url.Values) {
		u, _ := url.Parse(redirect)
		rq := u.Query()
		for k, vs := range params {
			rq[k] = vs
		}
		if st := q.Get("state"); st != "" {
			rq.Set("state", st)
		}
		u.RawQuery = rq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	}
	if q.Get("nonce") == "" {
		// docs/vendors/webuntis.md#authorization-code: nonce is one of the
		// authorize request's parameters, and the ID token carries it back.
		back(url.Values{"error": {"invalid_request"}, "error_description": {"nonce is required"}})
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method != "S256" {
		// The fake's choice, as its discovery document says
		// (code_challenge_methods_supported: S256): no plain challenge.
		back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	if user.Subject == "" {
		// docs/vendors/webuntis.md#authorization-code: an active WebUntis
		// session is needed to get an ID token.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body><h1>WebUntis login</h1></body></html>")
		return
	}
	switch fakeidp.SignInStep(w, r, s.login, fakeidp.Page{Vendor: "WebUntis", Accent: "#f49b00", ClientID: t.ClientID, User: account(user)}) {
	case fakeidp.Answered:
		return
	case fakeidp.Denied:
		back(url.Values{"error": {"access_denied"}})
		return
	}
	code := s.codes.Issue(fakeidp.CodeGrant{
		ClientID:      t.ClientID,
		RedirectURI:   redirect,
		Subject:       user.Subject,
		Scope:         q.Get("scope"),
		Nonce:         q.Get("nonce"),
		Challenge:     q.Get("code_challenge"),
		ChallengeMode: method,
		Expires:       s.now.Now().Add(5 * time.Minute),
	})
	back(url.Values{"code": {code}})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, t Tenant) {
	// docs/vendors/webuntis.md#endpoints: a POST with Content-Type
	// application/x-www-form-urlencoded.
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	switch {
	// docs/vendors/webuntis.md#client-credentials: the body holds
	// grant_type=client_credentials.
	case r.PostForm.Get("grant_type") == "client_credentials":
		s.clientCredentials(w, r, t)
	// The vendor's example (docs/vendors/webuntis.md#authorization-code) shows
	// the code grant's parameters in the query string of the POST; r.Form reads
	// them from the query or the body.
	case r.Form.Get("grant_type") == "authorization_code":
		s.authorizationCode(w, r, t)
	case r.Form.Get("grant_type") == "":
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is missing")
	default:
		fakeidp.OAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type")
	}
}

func (s *Server) clientCredentials(w http.ResponseWriter, r *http.Request, t Tenant) {
	id, password, ok := rawBasic(r.Header.Get("Authorization"))
	switch {
	case !ok:
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "Basic authentication required")
		return
	case id != t.ClientID:
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	case password == t.ClientSecret:
		// docs/vendors/webuntis.md#two-credentials: the OIDC secret in the
		// client-credentials flow gives invalid_grant.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "invalid credentials for the client credentials grant")
		return
	case subtle.ConstantTimeCompare([]byte(password), []byte(t.Password)) != 1:
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	now := s.now.Now()
	tok := s.issue(t, fakeidp.Issued{ClientID: t.ClientID, Scope: "roster-core.readonly", Expires: now.Add(s.lifetime)})
	fakeidp.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.lifetime / time.Second),
		"scope":        "roster-core.readonly",
	})
}

// account is u as the ID token will name them, for the sign-in page.
func account(u User) fakeidp.Account {
	name, _ := u.Claims["name"].(string)
	email, _ := u.Claims["email"].(string)
	return fakeidp.Account{Subject: u.Subject, Name: name, Email: email}
}

// rawBasic decodes Basic credentials the way the vendor's examples encode
// them: base64 of "id:password", the parts not URL-decoded.
func rawBasic(header string) (id, password string, ok bool) {
	scheme, enc, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func (s *Server) authorizationCode(w http.ResponseWriter, r *http.Request, t Tenant) {
	f := r.Form
	secret := f.Get("client_secret")
	switch {
	case f.Get("client_id") != t.ClientID:
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	case secret == t.Password:
		// docs/vendors/webuntis.md#two-credentials: the code flow takes the
		// OIDC secret, not the password.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "invalid credentials for the authorization code grant")
		return
	case subtle.ConstantTimeCompare([]byte(secret), []byte(t.ClientSecret)) != 1:
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	now := s.now.Now()
	g, err := s.codes.Redeem(f.Get("code"), now)
	switch {
	case err != nil:
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	case g.ClientID != t.ClientID || g.RedirectURI != f.Get("redirect_uri"):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	case !g.VerifyPKCE(f.Get("code_verifier")):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	const lifetime = 300 * time.Second
	body := map[string]any{
		"access_token": s.issue(t, fakeidp.Issued{ClientID: t.ClientID, Subject: g.Subject, Scope: g.Scope, Expires: now.Add(lifetime)}),
		"token_type":   "Bearer",
		"expires_in":   int(lifetime / time.Second),
		"scope":        g.Scope,
	}
	if slices.Contains(strings.Fields(g.Scope), "openid") {
		claims := map[string]any{
			"iss": s.issuer(t.ID),
			"sub": g.Subject,
			"aud": t.ClientID,
			"iat": now.Unix(),
			"exp": now.Add(lifetime).Unix(),
		}
		claims["nonce"] = g.Nonce
		s.mu.Lock()
		for k, v := range s.user.Claims {
			if _, taken := claims[k]; !taken {
				claims[k] = v
			}
		}
		s.mu.Unlock()
		body["id_token"] = s.key.Sign(claims)
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}
