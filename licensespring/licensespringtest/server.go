package licensespringtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// Endpoint names, for [Server.InjectFault] and [Server.Requests].
const (
	EndpointSSOURL    = "sso_url"
	EndpointActivate  = "activate_license"
	EndpointDiscovery = "discovery"
	EndpointJWKS      = "certs"
	EndpointAuthorize = "auth"
	EndpointToken     = "token"
	EndpointRevoke    = "revoke"
	EndpointLogout    = "logout" // the end-session endpoint
)

// realm is the Keycloak realm of the vendor's example issuer
// (https://auth.licensespring.com/realms/user-portal,
// docs/vendors/licensespring.md#endpoints).
const realm = "user-portal"

// Options configures a Server. Every zero value is usable.
type Options struct {
	APIKey    string // zero: random
	SharedKey string // zero: random

	Product             string // product short code; zero: "oauthkit-demo"
	CustomerAccountCode string // zero: "acme"

	// ClientID is the realm's public client. Zero: "license-users", as in
	// the vendor's example URL.
	ClientID string
	// RedirectURLs are the SSO redirect URIs enabled for the customer
	// account; the first is the default. Zero:
	// "http://127.0.0.1/auth/licensespring/callback" (any port).
	RedirectURLs []string
	// PostLogoutRedirectURLs are the client's valid post-logout redirect
	// URIs (Keycloak's "Valid post logout redirect URIs"), matched like
	// RedirectURLs: exactly, or a loopback one on any port. The entry "+"
	// stands for every one of RedirectURLs, as in Keycloak. Zero: "+" and
	// the root of each redirect URL's origin — http://127.0.0.1/ (any port)
	// for the default — which is what an administrator registers for an
	// application whose logout returns to its home page, as a package web
	// handler's does by default.
	PostLogoutRedirectURLs []string
	// IdPHint is the URL's kc_idp_hint, the customer's identity provider.
	// Zero: "acme-idp".
	IdPHint string

	// OmitOpenIDConfiguration answers sso_url with the url only, as the
	// vendor's schema allows.
	OmitOpenIDConfiguration bool

	// Now is the server's clock: the Date window, code and token expiry,
	// ID-token times. Zero: time.Now.
	Now func() time.Time

	// LogoutTokenType is the JOSE typ of the logout tokens the realm mints
	// ([Server.LogoutToken]). Zero: "logout+jwt", as Keycloak 25 and later
	// send; "JWT" is what Keycloak 24 and older send.
	LogoutTokenType string

	// LoginPage makes the realm's authorization endpoint answer a sign-in
	// page with a "Sign in" button, and issue the code (or the tokens) only
	// when it is posted. Zero: the user has a session at the identity
	// provider, and the endpoint redirects at once.
	LoginPage bool
}

// User is who is logged in at the customer's identity provider, in the
// simulated browser. An empty Subject means no session: the authorization
// endpoint then shows a login page instead of redirecting.
type User struct {
	Subject string
	Email   string
	Name    string
	Claims  map[string]any // more ID-token claims; they do not replace the standard ones
}

// Activation is one accepted activate_license call.
type Activation struct {
	Product             string
	HardwareID          string
	CustomerAccountCode string
	Grant               string // "code" or "id_token"
	Subject             string // the license user's subject
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the fake's address, for both the License API
	// (licensespring.Config.APIURL) and the realm.
	URL string

	opts    Options
	srv     *httptest.Server
	now     fakeidp.Clock
	key     *fakeidp.Key
	codes   fakeidp.Codes
	access  fakeidp.Tokens
	refresh fakeidp.Tokens
	in      fakeidp.Instruments

	mu          sync.Mutex
	user        User
	mutate      func(claims map[string]any)
	idTokens    map[string]string   // issued ID token → subject
	sessions    map[string]*session // by sid
	logouts     []Logout
	activations []Activation
	revocations []Revocation
}

// NewServer starts a fake. Close it when done.
func NewServer(o Options) *Server {
	if o.APIKey == "" {
		o.APIKey = fakeidp.Random(16)
	}
	if o.SharedKey == "" {
		o.SharedKey = fakeidp.Random(24)
	}
	if o.Product == "" {
		o.Product = "oauthkit-demo"
	}
	if o.CustomerAccountCode == "" {
		o.CustomerAccountCode = "acme"
	}
	if o.ClientID == "" {
		o.ClientID = "license-users"
	}
	if len(o.RedirectURLs) == 0 {
		o.RedirectURLs = []string{defaultRedirectURL}
	}
	o.RedirectURLs = slices.Clone(o.RedirectURLs)
	if len(o.PostLogoutRedirectURLs) == 0 {
		o.PostLogoutRedirectURLs = defaultPostLogoutRedirectURLs(o.RedirectURLs)
	}
	o.PostLogoutRedirectURLs = slices.Clone(o.PostLogoutRedirectURLs)
	if o.IdPHint == "" {
		o.IdPHint = "acme-idp"
	}
	if o.LogoutTokenType == "" {
		o.LogoutTokenType = "logout+jwt"
	}
	s := &Server{
		opts:     o,
		now:      fakeidp.Clock(o.Now),
		key:      fakeidp.SharedKey(),
		user:     User{Subject: "license-user-1", Email: "ada@example.com", Name: "Ada Lovelace"},
		idTokens: map[string]string{},
		sessions: map[string]*session{},
	}

	base := "/realms/" + realm
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/sso_url/{$}", s.in.Wrap(EndpointSSOURL, s.ssoURL))
	mux.HandleFunc("POST /api/v4/activate_license", s.in.Wrap(EndpointActivate, s.activate))
	mux.HandleFunc("GET "+base+"/.well-known/openid-configuration", s.in.Wrap(EndpointDiscovery, s.discovery))
	mux.HandleFunc("GET "+base+"/protocol/openid-connect/certs", s.in.Wrap(EndpointJWKS, s.jwks))
	mux.HandleFunc(base+"/protocol/openid-connect/auth", s.in.Wrap(EndpointAuthorize, s.authorize))
	mux.HandleFunc(base+"/protocol/openid-connect/token", s.in.Wrap(EndpointToken, s.token))
	mux.HandleFunc(base+"/protocol/openid-connect/revoke", s.in.Wrap(EndpointRevoke, s.revoke))
	mux.HandleFunc(base+"/protocol/openid-connect/logout", s.in.Wrap(EndpointLogout, s.endSession))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Options returns the server's options with the generated values filled in:
// the API and shared keys, product, customer account, client id.
func (s *Server) Options() Options {
	o := s.opts
	o.RedirectURLs = slices.Clone(o.RedirectURLs)
	o.PostLogoutRedirectURLs = slices.Clone(o.PostLogoutRedirectURLs)
	return o
}

// defaultPostLogoutRedirectURLs is the zero Options.PostLogoutRedirectURLs:
// "+" (every redirect URL) and the root of each redirect URL's origin.
func defaultPostLogoutRedirectURLs(redirects []string) []string {
	valid := []string{"+"}
	for _, r := range redirects {
		u, err := url.Parse(r)
		if err != nil || u.Scheme == "" || u.Host == "" {
			continue
		}
		if root := u.Scheme + "://" + u.Host + "/"; !slices.Contains(valid, root) {
			valid = append(valid, root)
		}
	}
	return valid
}

// defaultRedirectURL is the SSO redirect URI enabled when none is: the
// callback of a package web handler at its default BasePath, on any
// loopback port.
const defaultRedirectURL = "http://127.0.0.1/auth/licensespring/callback"

// Config returns a licensespring.Config against this server for the code
// grant, with its keys, product, customer account, the first redirect URL,
// HTTP client and clock. The default redirect URL,
// http://127.0.0.1/auth/licensespring/callback, names no port: give the
// application's callback URL with [Server.ConfigFor] once it listens.
func (s *Server) Config() licensespring.Config {
	return licensespring.Config{
		APIURL:              s.URL,
		APIKey:              s.opts.APIKey,
		SharedKey:           oauthkit.Secret(s.opts.SharedKey),
		Product:             s.opts.Product,
		CustomerAccountCode: s.opts.CustomerAccountCode,
		ResponseType:        licensespring.ResponseTypeCode,
		RedirectURL:         s.opts.RedirectURLs[0],
		HTTPClient:          s.Client(),
		Now:                 s.opts.Now,
	}
}

// ConfigFor returns [Server.Config] with the application's callback URL as
// its RedirectURL, such as
// http://127.0.0.1:8080/auth/licensespring/callback once the application
// listens. The URL must be enabled for the customer account
// (Options.RedirectURLs), a loopback one on any port (RFC 8252 §7.3), so
// the default registration takes the callback of a package web handler at
// its default BasePath on whatever port the application got. ConfigFor
// panics for any other URL: LicenseSpring would refuse every login with it.
func (s *Server) ConfigFor(redirectURL string) licensespring.Config {
	if !fakeidp.RedirectRegistered(s.opts.RedirectURLs, redirectURL) {
		panic(fmt.Sprintf("licensespringtest: ConfigFor: redirect URL %q is not enabled for the customer account; add it to Options.RedirectURLs (enabled: %q)", redirectURL, s.opts.RedirectURLs))
	}
	cfg := s.Config()
	cfg.RedirectURL = redirectURL
	return cfg
}

// Issuer returns the realm's issuer, {URL}/realms/user-portal.
func (s *Server) Issuer() string { return s.URL + "/realms/" + realm }

// SetUser sets who is logged in in the simulated browser. A zero User means
// no session.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// MutateIDTokens changes the claims of every ID token issued from now on,
// after the standard ones are set — to issue a token with a wrong issuer,
// audience, nonce or expiry, or (deleting "at_hash") an implicit-grant ID
// token that is not bound to its access token, as OpenID Connect Core
// §3.2.2.10 requires it to be. nil turns it off.
func (s *Server) MutateIDTokens(f func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mutate = f
}

// SignIDToken signs claims with the realm's key, as its ID tokens are.
func (s *Server) SignIDToken(claims map[string]any) string { return s.key.Sign(claims) }

// InjectFault makes endpoint answer with f instead of normally.
func (s *Server) InjectFault(endpoint string, f oauthkittest.Fault) { s.in.Faults.Inject(endpoint, f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.in.Faults.Clear() }

// Requests returns how many requests endpoint has received.
func (s *Server) Requests(endpoint string) int { return s.in.Count.Get(endpoint) }

// Activations returns the activate_license calls the server accepted.
func (s *Server) Activations() []Activation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.activations)
}

// Authorize plays the browser: it requests authURL from the realm without
// following the redirect (signing in on the login page, with
// [Options.LoginPage]), and returns where Keycloak redirects to — the
// redirect URI with code and state in the query (code grant), with the
// tokens and state in the fragment (implicit grant; read it with
// URL.EscapedFragment), or with an error.
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, false)
}

// Deny plays a user who cancels (the login page's Cancel button, with
// [Options.LoginPage]): Keycloak redirects with error=access_denied, the
// state and iss (RFC 9207), in the query for the code grant and in the
// fragment for the implicit grant.
func (s *Server) Deny(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, true)
}

// SignIn plays a user's browser with client, a test's client with a cookie
// jar (nil: [Server.Client]), without scraping HTML: from startURL — the
// application's login URL, such as
// http://127.0.0.1:8080/auth/licensespring/login — it follows redirects to
// the realm's authorization endpoint, signs in there (on the login page
// with [Options.LoginPage]) and returns the URL Keycloak redirects to: the
// application's callback with code and state (or the tokens in the
// fragment), not followed. Request it with the same client, whose jar holds
// the application's cookies.
func (s *Server) SignIn(ctx context.Context, client *http.Client, startURL string) (*url.URL, error) {
	if client == nil {
		client = s.Client()
	}
	auth := "/realms/" + realm + "/protocol/openid-connect/auth"
	return fakeidp.SignIn(ctx, client, startURL, fakeidp.Endpoint(s.URL, func(p string) bool { return p == auth }), false)
}

func (s *Server) currentUser() (User, func(map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user, s.mutate
}
