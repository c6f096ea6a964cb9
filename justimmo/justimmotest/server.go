package justimmotest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league/leaguefake"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// Paths on the auth and API hosts (docs/vendors/justimmo.md#endpoints).
const (
	authPath        = "/authorize"
	tokenPath       = "/access_token"
	currentUserPath = "/oauth/user/current"
)

// Endpoint names, for [Server.InjectFault] and [Server.Requests].
const (
	EndpointAuthorize   = "authorize"
	EndpointToken       = "access_token"
	EndpointCurrentUser = "user/current"
)

// Lifetimes from docs/vendors/justimmo.md#grants.
const (
	codeLifetime              = time.Minute
	accessTokenLifetime       = 24 * time.Hour
	clientCredentialsLifetime = 2678400 * time.Second // the example's expires_in
)

// App is the OAuth application Justimmo support registered. Each zero field
// is filled in with its default, alone.
type App struct {
	// ID is the client id. Zero: "oauthkit-demo".
	ID string
	// Secret is the client secret. Zero: random.
	Secret string
	// RedirectURLs are the registered redirect URLs. Zero:
	// "http://127.0.0.1/auth/justimmo/callback", which matches on any port
	// as every loopback one does (RFC 8252 §7.3).
	RedirectURLs []string
}

// User is a Justimmo user and their tenant. The zero User is no one: see
// [Server.SetUser].
type User struct {
	ID       int64
	TenantID int64
}

// Options configures a Server. Every zero value is usable.
type Options struct {
	// App is the registered application; its zero fields get the
	// defaults [App] lists.
	App App
	// Users; the first one is logged in. Zero: user 1234 of tenant 5678, as
	// in the document's example.
	Users []User
	// Now is the servers' clock (code and token expiry). Zero: time.Now.
	Now func() time.Time
	// LoginPage makes the authorization endpoint answer a sign-in page
	// with a "Sign in" button, and issue the code only when it is posted.
	// Zero: the user has a session, and authorize redirects at once.
	LoginPage bool
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// AuthURL and APIURL are the two servers' URLs: use them as
	// justimmo.Config.AuthURL and APIURL.
	AuthURL, APIURL string

	auth, api *httptest.Server
	now       fakeidp.Clock
	league    *leaguefake.Server
	in        leaguefake.Instruments
	app       App

	mu      sync.Mutex
	users   []User
	current int64 // the logged-in user; 0 for no session
}

// NewServer starts the fake's two servers. Close it when done.
func NewServer(o Options) *Server {
	s := &Server{now: fakeidp.Clock(o.Now), app: o.App, users: slices.Clone(o.Users)}
	s.app.RedirectURLs = slices.Clone(s.app.RedirectURLs)
	if s.app.ID == "" {
		s.app.ID = "oauthkit-demo"
	}
	if s.app.Secret == "" {
		s.app.Secret = fakeidp.Random(30)
	}
	if len(s.app.RedirectURLs) == 0 {
		s.app.RedirectURLs = []string{defaultRedirectURL}
	}
	if len(s.users) == 0 {
		s.users = []User{{ID: 1234, TenantID: 5678}}
	}
	s.current = s.users[0].ID

	s.league = &leaguefake.Server{
		Version: leaguefake.V7,
		Now:     s.now,
		Grants:  []string{leaguefake.GrantAuthorizationCode, leaguefake.GrantRefreshToken, leaguefake.GrantClientCredentials},
		// docs/vendors/justimmo.md#client-authentication: the vendor lists
		// client_id and client_secret in the body of every grant.
		BasicAuth:            false,
		CodeTTL:              codeLifetime,
		AccessTTL:            accessTokenLifetime,
		ClientCredentialsTTL: clientCredentialsLifetime,
		LoginPage:            o.LoginPage,
		Vendor:               "Justimmo",
		Accent:               "#00897b",
		// The refresh grant's documented error
		// (docs/vendors/justimmo.md#errors).
		ExpiredRefresh: leaguefake.InvalidRequest("refresh_token", "Refresh token has expired"),
	}
	s.league.AddClient(leaguefake.Client{ID: s.app.ID, Secret: s.app.Secret, RedirectURIs: s.app.RedirectURLs})

	auth := http.NewServeMux()
	auth.HandleFunc(authPath, s.in.Wrap(EndpointAuthorize, s.authorize))
	auth.HandleFunc(tokenPath, s.in.Wrap(EndpointToken, s.league.Token))
	s.auth = httptest.NewServer(auth)
	s.AuthURL = s.auth.URL

	api := http.NewServeMux()
	api.HandleFunc("GET "+currentUserPath, s.in.Wrap(EndpointCurrentUser, s.currentUser))
	s.api = httptest.NewServer(api)
	s.APIURL = s.api.URL
	return s
}

// Close shuts both servers down.
func (s *Server) Close() {
	s.auth.Close()
	s.api.Close()
}

// Client returns an HTTP client for the servers.
func (s *Server) Client() *http.Client { return s.auth.Client() }

// defaultRedirectURL is the application's redirect URL when none is
// registered: the callback of a package web handler at its default
// BasePath, on any loopback port.
const defaultRedirectURL = "http://127.0.0.1/auth/justimmo/callback"

// ConfigFor returns [Server.Config] with the application's callback URL as
// its RedirectURL, such as http://127.0.0.1:8080/auth/justimmo/callback
// once the application listens. The URL must be registered for the
// application (App.RedirectURLs), a loopback one on any port (RFC 8252
// §7.3), so the default registration takes the callback of a package web
// handler at its default BasePath on whatever port the application got.
// ConfigFor panics for any other URL: Justimmo would refuse every login
// with it.
func (s *Server) ConfigFor(redirectURL string) justimmo.Config {
	if !fakeidp.RedirectRegistered(s.app.RedirectURLs, redirectURL) {
		panic(fmt.Sprintf("justimmotest: ConfigFor: redirect URL %q is not registered for the application; add it to App.RedirectURLs (registered: %q)", redirectURL, s.app.RedirectURLs))
	}
	cfg := s.Config()
	cfg.RedirectURL = redirectURL
	return cfg
}

// Config returns a justimmo.Config for the registered application (its
// credentials and first redirect URL) against this fake. The default
// redirect URL, http://127.0.0.1/auth/justimmo/callback, names no port:
// give the application's callback URL with [Server.ConfigFor] once it
// listens.
func (s *Server) Config() justimmo.Config {
	return justimmo.Config{
		ClientID:     s.app.ID,
		ClientSecret: oauthkit.Secret(s.app.Secret),
		RedirectURL:  s.app.RedirectURLs[0],
		AuthURL:      s.AuthURL,
		APIURL:       s.APIURL,
		HTTPClient:   s.Client(),
		Now:          s.now,
	}
}

// App returns the registered application as filled in, with its generated
// secret.
func (s *Server) App() App {
	a := s.app
	a.RedirectURLs = slices.Clone(a.RedirectURLs)
	return a
}

// SetUser signs u in, in the simulated browser: u replaces the user with
// the same ID, or joins the users. The zero User ends the session: authorize
// then answers with a login page instead of a redirect.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID != 0 {
		if i := slices.IndexFunc(s.users, func(v User) bool { return v.ID == u.ID }); i >= 0 {
			s.users[i] = u
		} else {
			s.users = append(s.users, u)
		}
	}
	s.current = u.ID
}

// Authorize plays the browser of a logged-in user who accepts: it requests
// authURL without following the redirect (signing in on the login page,
// with [Options.LoginPage]) and returns the URL Justimmo
// redirects to (the callback with code, or an error redirect).
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, false)
}

// Deny plays a user who declines (the login page's Cancel button, with
// [Options.LoginPage]): the callback carries
// error=access_denied&message=…&hint=The+user+denied+the+request
// (docs/vendors/justimmo.md#authorization-code), and the state.
func (s *Server) Deny(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, true)
}

// SignIn plays a user's browser with client, a test's client with a cookie
// jar (nil: [Server.Client]), without scraping HTML: from startURL — the
// application's login URL, such as
// http://127.0.0.1:8080/auth/justimmo/login — it follows redirects to the
// auth server's authorization endpoint, signs in there (on the login page
// with [Options.LoginPage]) and returns the URL Justimmo redirects to: the
// application's callback with code and state, not followed. Request it with
// the same client, whose jar holds the application's cookies.
func (s *Server) SignIn(ctx context.Context, client *http.Client, startURL string) (*url.URL, error) {
	if client == nil {
		client = s.Client()
	}
	return fakeidp.SignIn(ctx, client, startURL, fakeidp.Endpoint(s.AuthURL, func(p string) bool { return p == authPath }), false)
}

// InjectFault makes endpoint answer with f instead of normally.
func (s *Server) InjectFault(endpoint string, f oauthkittest.Fault) { s.in.Faults.Inject(endpoint, f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.in.Faults.Clear() }

// Requests returns how many requests endpoint has received.
func (s *Server) Requests(endpoint string) int { return s.in.Count.Get(endpoint) }

// RefreshTokenState reports what the server knows of a refresh token:
// "live", "revoked" (used, so rotated away), "expired" or "unknown".
func (s *Server) RefreshTokenState(tok string) string { return s.league.RefreshTokenState(tok) }

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	subject := ""
	if s.current != 0 {
		subject = strconv.FormatInt(s.current, 10)
	}
	s.mu.Unlock()
	// The current-user endpoint names a user by id only.
	s.league.Authorize(w, r, fakeidp.Account{Subject: subject})
}

func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.league.BearerToken(r)
	if !ok {
		s.league.Version.Write(w, r, leaguefake.AccessDenied("Access token could not be verified"))
		return
	}
	if tok.Subject == "" {
		e := leaguefake.AccessDenied("The access token was issued by the client credentials grant and acts for no user")
		e.Status = http.StatusForbidden
		s.league.Version.Write(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strconv.FormatInt(u.ID, 10) == tok.Subject {
			fakeidp.WriteJSON(w, http.StatusOK, map[string]any{"id": u.ID, "tenant": map[string]any{"id": u.TenantID}})
			return
		}
	}
	fakeidp.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "User not found"})
}
