package openidtest

import (
	"context"
	"crypto"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// Endpoint names, for [Server.InjectFault] and [Server.Requests].
const (
	EndpointDiscovery      = "discovery"
	EndpointJWKS           = "jwks"
	EndpointAuthorize      = "authorize"
	EndpointToken          = "token"
	EndpointUserInfo       = "userinfo"
	EndpointRevoke         = "revoke"
	EndpointIntrospect     = "introspect"
	EndpointEndSession     = "end_session"
	EndpointPAR            = "par"    // RFC 9126 pushed authorization requests
	EndpointDevice         = "device" // RFC 8628 device authorization
	defaultRedirectURL     = "http://127.0.0.1/callback"
	defaultPostLogoutURL   = "http://127.0.0.1/logged-out"
	codeLifetime           = time.Minute
	accessTokenLifetime    = 5 * time.Minute
	refreshTokenLifetime   = time.Hour
	maxAssertionLifetime   = 5 * time.Minute
	defaultDiscoveryMaxAge = 5 * time.Minute
)

// App is a client registered with the fake.
type App struct {
	ID string
	// AuthMethod is the one client authentication the client may use:
	// openid.AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT
	// or AuthNone (a public client). Zero: client_secret_basic.
	AuthMethod openid.AuthMethod
	// Secret is the client secret (client_secret_basic and _post). Zero
	// for those: random.
	Secret string
	// PublicKey and KeyID are the client's registered key
	// (private_key_jwt): an *rsa.PublicKey, *ecdsa.PublicKey (P-256) or
	// ed25519.PublicKey. A client assertion must name KeyID as its kid.
	PublicKey crypto.PublicKey
	KeyID     string
	// RedirectURLs are the registered redirect URIs, compared exactly.
	// Zero: "http://127.0.0.1/callback".
	RedirectURLs []string
	// PostLogoutRedirectURLs are the registered post-logout redirect URIs.
	// Zero: "http://127.0.0.1/logged-out".
	PostLogoutRedirectURLs []string
}

// Options configures a Server. Every zero value is usable.
type Options struct {
	// IssuerPath is appended to the server's URL to make its issuer
	// ("/realms/acme", Keycloak-shaped). Zero: the issuer is the URL.
	IssuerPath string

	// Apps are the registered clients. Zero: one confidential client
	// "client" with a random secret, client_secret_basic.
	Apps []App

	// AuthMethods is token_endpoint_auth_methods_supported. Zero:
	// client_secret_basic, client_secret_post, private_key_jwt, none.
	AuthMethods []string

	// AssertionAudienceIssuerOnly makes the fake accept only the issuer as a
	// client assertion's aud (RFC 7523bis); zero: the issuer or the token
	// endpoint.
	AssertionAudienceIssuerOnly bool

	// SignedUserInfo answers userinfo as a signed JWT (application/jwt).
	SignedUserInfo bool

	// OmitIssuerParameter leaves iss out of authorization responses and
	// authorization_response_iss_parameter_supported out of the metadata.
	OmitIssuerParameter bool

	// DiscoveryMaxAge is the discovery answer's Cache-Control max-age.
	// Zero: five minutes.
	DiscoveryMaxAge time.Duration

	// Now is the server's clock. Zero: time.Now.
	Now func() time.Time

	// DPoP configures the DPoP (RFC 9449) checks; see [DPoPOptions].
	DPoP DPoPOptions

	// LoginPage makes the authorization endpoint answer a sign-in page
	// with a "Sign in" button, and issue the code only when it is posted
	// (a browser test's click). Zero: the user has a session, and the
	// endpoint redirects at once.
	LoginPage bool

	// RequirePAR makes the server take authorization requests only
	// through its pushed authorization request endpoint, and say so in its
	// metadata (require_pushed_authorization_requests, RFC 9126 §5).
	RequirePAR bool
	// PARLifetime is a request_uri's expires_in. Zero: 60 seconds.
	PARLifetime time.Duration

	// DeviceInterval is the device authorization response's interval
	// (RFC 8628 §3.2), which the server enforces with slow_down. Zero:
	// five seconds.
	DeviceInterval time.Duration
	// DeviceCodeLifetime is the device code's expires_in. Zero: ten
	// minutes.
	DeviceCodeLifetime time.Duration
}

// User is who is signed in in the simulated browser. An empty Subject
// means no session: the authorization endpoint answers login_required for
// prompt=none and a sign-in page otherwise.
type User struct {
	Subject  string
	Email    string
	Name     string
	AuthTime time.Time      // when the user authenticated; zero: at the authorization request
	Claims   map[string]any // more claims for the ID token and userinfo
}

// Server is a running fake OpenID Provider. Its methods are safe for
// concurrent use.
type Server struct {
	URL string // the server's address; the issuer is URL + Options.IssuerPath

	opts  Options
	srv   *httptest.Server
	now   fakeidp.Clock
	codes fakeidp.Codes
	in    fakeidp.Instruments

	mu         sync.Mutex
	keys       []*fakeidp.Key // published; the last signs
	clients    map[string]App
	user       User
	mixUp      MixUp
	mutate     func(claims map[string]any)
	tokens     tokenStore
	jtis       map[string]time.Time // client assertion jti → its exp
	lastAuth   url.Values
	endedLogin []EndedSession
	pars       map[string]*pushed // request_uri → the pushed request
	devices    map[string]*device // device_code → the device login
	dpop       dpopState          // dpop.go
}

// NewServer starts a fake. Close it when done.
func NewServer(o Options) *Server {
	if len(o.Apps) == 0 {
		o.Apps = []App{{ID: "client"}}
	}
	if len(o.AuthMethods) == 0 {
		o.AuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
	}
	if o.DiscoveryMaxAge == 0 {
		o.DiscoveryMaxAge = defaultDiscoveryMaxAge
	}
	s := &Server{
		opts:    o,
		now:     fakeidp.Clock(o.Now),
		keys:    []*fakeidp.Key{fakeidp.SharedKey()},
		clients: map[string]App{},
		user:    User{Subject: "user-1", Email: "ada@example.com", Name: "Ada Lovelace"},
		jtis:    map[string]time.Time{},
		pars:    map[string]*pushed{},
		devices: map[string]*device{},
	}
	s.tokens.init()
	for _, c := range o.Apps {
		if c.AuthMethod == "" {
			c.AuthMethod = openid.AuthClientSecretBasic
		}
		if c.Secret == "" && (c.AuthMethod == openid.AuthClientSecretBasic || c.AuthMethod == openid.AuthClientSecretPost) {
			c.Secret = fakeidp.Random(24)
		}
		if len(c.RedirectURLs) == 0 {
			c.RedirectURLs = []string{defaultRedirectURL}
		}
		if len(c.PostLogoutRedirectURLs) == 0 {
			c.PostLogoutRedirectURLs = []string{defaultPostLogoutURL}
		}
		c.RedirectURLs = slices.Clone(c.RedirectURLs)
		c.PostLogoutRedirectURLs = slices.Clone(c.PostLogoutRedirectURLs)
		s.clients[c.ID] = c
	}
	p := o.IssuerPath
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p+"/.well-known/openid-configuration", s.in.Wrap(EndpointDiscovery, s.discovery))
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+p, s.in.Wrap(EndpointDiscovery, s.discovery))
	mux.HandleFunc("GET "+p+"/jwks", s.in.Wrap(EndpointJWKS, s.jwks))
	mux.HandleFunc(p+"/authorize", s.in.Wrap(EndpointAuthorize, s.authorize))
	mux.HandleFunc(p+"/token", s.in.Wrap(EndpointToken, s.token))
	mux.HandleFunc(p+"/userinfo", s.in.Wrap(EndpointUserInfo, s.userinfo))
	mux.HandleFunc(p+"/revoke", s.in.Wrap(EndpointRevoke, s.revoke))
	mux.HandleFunc(p+"/introspect", s.in.Wrap(EndpointIntrospect, s.introspect))
	mux.HandleFunc(p+"/logout", s.in.Wrap(EndpointEndSession, s.endSession))
	mux.HandleFunc(p+"/par", s.in.Wrap(EndpointPAR, s.par))
	mux.HandleFunc(p+"/device_authorization", s.in.Wrap(EndpointDevice, s.deviceAuthorization))
	mux.HandleFunc(p+"/resource", s.in.Wrap(EndpointResource, s.resource))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Issuer returns the server's issuer identifier.
func (s *Server) Issuer() string { return s.URL + s.opts.IssuerPath }

// TokenURL returns the token endpoint.
func (s *Server) TokenURL() string { return s.Issuer() + "/token" }

// App returns the client registered as id, with its generated
// secret, and whether there is one.
func (s *Server) App(id string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

// Config returns an openid.Config for the registered client id against
// this server: issuer, client id, secret (for the secret methods), its
// first redirect and post-logout URIs, the HTTP client and clock. Set
// ClientKey yourself for a private_key_jwt client: the fake holds only its
// public key.
func (s *Server) Config(id string) openid.Config {
	c, _ := s.App(id)
	return openid.Config{
		Issuer:                s.Issuer(),
		ClientID:              c.ID,
		ClientSecret:          oauthkit.Secret(c.Secret),
		RedirectURL:           c.RedirectURLs[0],
		PostLogoutRedirectURL: c.PostLogoutRedirectURLs[0],
		HTTPClient:            s.Client(),
		Now:                   s.opts.Now,
	}
}

// SetUser sets who is signed in in the simulated browser; a zero User
// means no session.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// MutateIDTokens changes the claims of every ID token issued from now on,
// after the standard ones are set. nil turns it off.
func (s *Server) MutateIDTokens(f func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mutate = f
}

// SignIDToken signs claims with the server's current key, as its ID tokens are.
func (s *Server) SignIDToken(claims map[string]any) string { return s.signingKey().Sign(claims) }

// LastAuthorization returns the query of the last authorization request.
func (s *Server) LastAuthorization() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := url.Values{}
	for k, vs := range s.lastAuth {
		out[k] = slices.Clone(vs)
	}
	return out
}

// InjectFault makes endpoint answer with f instead of normally.
func (s *Server) InjectFault(endpoint string, f oauthkittest.Fault) { s.in.Faults.Inject(endpoint, f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.in.Faults.Clear() }

// Requests returns how many requests endpoint has received.
func (s *Server) Requests(endpoint string) int { return s.in.Count.Get(endpoint) }

// Authorize plays the browser: it requests authURL without following the
// redirect and returns where the server redirects to — the redirect URI
// with code, state and iss, or with an error.
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, false)
}

// Deny plays a user who declines (the login page's Cancel button, with
// [Options.LoginPage]): the redirect URI gets error=access_denied, with
// the state and iss (RFC 6749 §4.1.2.1, RFC 9207).
func (s *Server) Deny(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, true)
}

// SignIn plays a user's browser with client, a test's client with a
// cookie jar (nil: [Server.Client]): from startURL — the application's
// login URL — it follows redirects to the authorization endpoint, signs in
// there and returns the URL the server redirects to, the application's
// callback, not followed.
func (s *Server) SignIn(ctx context.Context, client *http.Client, startURL string) (*url.URL, error) {
	if client == nil {
		client = s.Client()
	}
	authorize := s.Issuer() + "/authorize"
	return fakeidp.SignIn(ctx, client, startURL, func(u *url.URL) bool {
		return u.Scheme+"://"+u.Host+u.Path == authorize
	}, false)
}

func (s *Server) signingKey() *fakeidp.Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}
