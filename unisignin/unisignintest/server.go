package unisignintest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league/leaguefake"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

// Paths on the organization's host (docs/vendors/unisignin.md#endpoints).
const (
	authPath  = "/oauth/v2/authorize"
	tokenPath = "/oauth/v2/access_token"
	userPath  = "/oauth/v2/user"
)

// Endpoint names, for [Server.InjectFault] and [Server.Requests].
const (
	EndpointAuthorize = "authorize"
	EndpointToken     = "token"
	EndpointUser      = "user"
)

// App is an OAuth application registered in the dashboard. Which kind of
// client it is depends on where it is given: [Options.App] is the web
// application, a confidential client, and [Options.PublicApp] the mobile or
// desktop app, a public client. Each zero field is filled in with its
// default, alone.
type App struct {
	// ID is the client id. Zero: "oauthkit-web" (App), "oauthkit-app"
	// (PublicApp).
	ID string
	// Secret is the web application's client secret. Zero: random. A
	// public client has none: NewServer panics when Options.PublicApp has
	// one.
	Secret string
	// RedirectURLs are the whitelisted redirect URLs. Zero:
	// "http://127.0.0.1/auth/unisignin/callback" (App), which matches on any
	// port as every loopback one does (RFC 8252 §7.3), and
	// "com.example.oauthkit://oauth/callback" (PublicApp).
	RedirectURLs []string
}

// User is a user of the organization. The zero User is no one: see
// [Server.SetUser].
type User struct {
	ID        int64
	Email     string
	Password  string
	FirstName string
	LastName  string
	Extra     map[string]any // more profile fields
}

// Options configures a Server. Every zero value is usable.
type Options struct {
	// App is the web application, a confidential client; its zero fields
	// get the defaults [App] lists.
	App App
	// PublicApp is the mobile or desktop app, a public client (no secret,
	// PKCE); its zero fields get the defaults [App] lists. A Secret here
	// is a mistake: NewServer panics.
	PublicApp App
	// Users of the organization; the first one is logged in. Zero: user 1,
	// ada@example.com, Ada Lovelace, a random password.
	Users []User
	// Now is the server's clock (code and token expiry). Zero: time.Now.
	Now func() time.Time
	// LeagueVersion is the league/oauth2-server version whose error bodies
	// are answered: 7, 8 or 9. Zero: 8.
	LeagueVersion int
	// AccessTokenLifetime zero: 3599 s. RefreshTokenLifetime zero: one month.
	// CodeLifetime zero: 10 minutes.
	AccessTokenLifetime, RefreshTokenLifetime, CodeLifetime time.Duration
	// LoginPage makes the authorization endpoint answer a sign-in page
	// with a "Sign in" button, and issue the code only when it is posted.
	// Zero: the user has a session, and authorize redirects at once.
	LoginPage bool
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the organization's URL: use it as unisignin.Config.BaseURL.
	URL string

	srv      *httptest.Server
	now      fakeidp.Clock
	league   *leaguefake.Server
	in       leaguefake.Instruments
	web, app App

	mu      sync.Mutex
	users   []User
	current string // email of the logged-in user; "" for no session
}

// NewServer starts a fake. Close it when done.
func NewServer(o Options) *Server {
	if o.PublicApp.Secret != "" {
		panic("unisignintest: NewServer: Options.PublicApp is a public client and has no secret; a confidential client is Options.App")
	}
	s := &Server{now: fakeidp.Clock(o.Now), web: o.App, app: o.PublicApp}
	s.web.RedirectURLs = slices.Clone(s.web.RedirectURLs)
	s.app.RedirectURLs = slices.Clone(s.app.RedirectURLs)
	if s.web.ID == "" {
		s.web.ID = "oauthkit-web"
	}
	if s.web.Secret == "" {
		s.web.Secret = fakeidp.Random(30)
	}
	if len(s.web.RedirectURLs) == 0 {
		s.web.RedirectURLs = []string{defaultRedirectURL}
	}
	if s.app.ID == "" {
		s.app.ID = "oauthkit-app"
	}
	if len(s.app.RedirectURLs) == 0 {
		s.app.RedirectURLs = []string{"com.example.oauthkit://oauth/callback"}
	}
	s.users = slices.Clone(o.Users)
	if len(s.users) == 0 {
		s.users = []User{{ID: 1, Email: "ada@example.com", Password: fakeidp.Random(12), FirstName: "Ada", LastName: "Lovelace"}}
	}
	s.current = s.users[0].Email

	version := leaguefake.Version(o.LeagueVersion)
	if version == 0 {
		version = leaguefake.V8
	}
	access := o.AccessTokenLifetime
	if access <= 0 {
		// docs/vendors/unisignin.md#tokens: the sample answer's expires_in.
		access = 3599 * time.Second
	}
	s.league = &leaguefake.Server{
		Version: version,
		Now:     s.now,
		Grants:  []string{leaguefake.GrantAuthorizationCode, leaguefake.GrantPassword, leaguefake.GrantRefreshToken},
		// docs/vendors/unisignin.md#client-authentication: client_id and
		// client_secret go in the form body, as the library sends them. The
		// server also reads a Basic header, without URL-decoding it; the
		// fake is stricter and does not.
		BasicAuth:    false,
		LoginPage:    o.LoginPage,
		Vendor:       "UniSignIn",
		Accent:       "#3f51b5",
		Scopes:       []string{"public"},
		CodeTTL:      o.CodeLifetime,
		AccessTTL:    access,
		RefreshTTL:   o.RefreshTokenLifetime,
		PKCERule:     pkceRule,
		Authenticate: s.authenticate,
	}
	s.league.AddClient(leaguefake.Client{ID: s.web.ID, Secret: s.web.Secret, RedirectURIs: s.web.RedirectURLs})
	s.league.AddClient(leaguefake.Client{ID: s.app.ID, RedirectURIs: s.app.RedirectURLs})

	mux := http.NewServeMux()
	mux.HandleFunc(authPath, s.in.Wrap(EndpointAuthorize, s.authorize))
	mux.HandleFunc(tokenPath, s.in.Wrap(EndpointToken, s.league.Token))
	mux.HandleFunc("GET "+userPath, s.in.Wrap(EndpointUser, s.user))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// alphanumeric is the vendor's challenge rule
// (docs/vendors/unisignin.md#pkce): letters and digits only, more than 48
// and fewer than 128 of them.
var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]{49,127}$`)

func pkceRule(param, value string) *leaguefake.Error {
	if alphanumeric.MatchString(value) {
		return nil
	}
	return leaguefake.InvalidRequest(param, "Check the `"+param+"` parameter: it only contains letters and numbers, and the length of it must be more than 48 and less than 128")
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// defaultRedirectURL is the web application's redirect URL when none is
// registered: the callback of a package web handler at its default
// BasePath, on any loopback port.
const defaultRedirectURL = "http://127.0.0.1/auth/unisignin/callback"

// Config returns a unisignin.Config for the web application (with its
// secret and first redirect URL) against this server. The default redirect
// URL, http://127.0.0.1/auth/unisignin/callback, names no port: give the
// application's callback URL with [Server.ConfigFor] once it listens.
func (s *Server) Config() unisignin.Config {
	return unisignin.Config{
		BaseURL:      s.URL,
		ClientID:     s.web.ID,
		ClientSecret: oauthkit.Secret(s.web.Secret),
		RedirectURL:  s.web.RedirectURLs[0],
		HTTPClient:   s.Client(),
		Now:          s.now,
	}
}

// ConfigFor returns [Server.Config] with the application's callback URL as
// its RedirectURL, such as http://127.0.0.1:8080/auth/unisignin/callback
// once the application listens. The URL must be whitelisted for the web
// application (App.RedirectURLs), a loopback one on any port (RFC 8252
// §7.3), so the default registration takes the callback of a package web
// handler at its default BasePath on whatever port the application got.
// ConfigFor panics for any other URL: UniSignIn would refuse every login
// with it.
func (s *Server) ConfigFor(redirectURL string) unisignin.Config {
	if !fakeidp.RedirectRegistered(s.web.RedirectURLs, redirectURL) {
		panic(fmt.Sprintf("unisignintest: ConfigFor: redirect URL %q is not whitelisted for the web application; add it to App.RedirectURLs (whitelisted: %q)", redirectURL, s.web.RedirectURLs))
	}
	cfg := s.Config()
	cfg.RedirectURL = redirectURL
	return cfg
}

// PublicConfig returns a unisignin.Config for the public app (no secret,
// PKCE).
func (s *Server) PublicConfig() unisignin.Config {
	return unisignin.Config{
		BaseURL:     s.URL,
		ClientID:    s.app.ID,
		RedirectURL: s.app.RedirectURLs[0],
		HTTPClient:  s.Client(),
		Now:         s.now,
	}
}

// App returns the web application as filled in, with its generated
// secret.
func (s *Server) App() App {
	a := s.web
	a.RedirectURLs = slices.Clone(a.RedirectURLs)
	return a
}

// Users returns the organization's users, with their passwords.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users)
}

// SetUser signs u in, in the simulated browser: u replaces the user with
// the same ID, or joins the organization. The zero User ends the session:
// authorize then answers with a login page instead of a redirect.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 && u.Email == "" {
		s.current = ""
		return
	}
	u.Extra = maps.Clone(u.Extra)
	if i := slices.IndexFunc(s.users, func(v User) bool { return v.ID == u.ID }); i >= 0 {
		s.users[i] = u
	} else {
		s.users = append(s.users, u)
	}
	s.current = u.Email
}

// Authorize plays the browser of a logged-in user who approves: it requests
// authURL without following the redirect (signing in on the login page,
// with [Options.LoginPage]) and returns the URL UniSignIn
// redirects to (the application's callback with code and state, or an error
// redirect).
func (s *Server) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, false)
}

// Deny plays a user who declines (the login page's Cancel button, with
// [Options.LoginPage]): the callback carries error=access_denied with
// league's message and hint, and the state.
func (s *Server) Deny(ctx context.Context, authURL string) (*url.URL, error) {
	return fakeidp.Browse(ctx, s.Client(), authURL, true)
}

// SignIn plays a user's browser with client, a test's client with a cookie
// jar (nil: [Server.Client]), without scraping HTML: from startURL — the
// application's login URL, such as
// http://127.0.0.1:8080/auth/unisignin/login — it follows redirects to the
// fake's authorization endpoint, signs in there (on the login page with
// [Options.LoginPage]) and returns the URL UniSignIn redirects to: the
// application's callback with code and state, not followed. Request it with
// the same client, whose jar holds the application's cookies.
func (s *Server) SignIn(ctx context.Context, client *http.Client, startURL string) (*url.URL, error) {
	if client == nil {
		client = s.Client()
	}
	return fakeidp.SignIn(ctx, client, startURL, fakeidp.Endpoint(s.URL, func(p string) bool { return p == authPath }), false)
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
	var who fakeidp.Account
	for _, u := range s.users {
		if s.current != "" && strings.EqualFold(u.Email, s.current) {
			// As the user endpoint will name them.
			who = fakeidp.Account{Subject: strconv.FormatInt(u.ID, 10), Name: profileName(u), Email: u.Email}
		}
	}
	s.mu.Unlock()
	s.league.Authorize(w, r, who)
}

// authenticate checks the password grant's username (the email,
// docs/vendors/unisignin.md#password-grant) and password.
func (s *Server) authenticate(username, password string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strings.EqualFold(u.Email, username) && u.Password == password {
			return strconv.FormatInt(u.ID, 10), true
		}
	}
	return "", false
}

// profileName is the user profile's name: first and last name.
func profileName(u User) string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.league.BearerToken(r)
	if !ok {
		fakeidp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthenticated."})
		return
	}
	// docs/vendors/unisignin.md#user-profile: client_id is required on the user
	// endpoint.
	switch id := r.URL.Query().Get("client_id"); {
	case id == "":
		s.league.Version.Write(w, r, leaguefake.InvalidRequest("client_id", ""))
		return
	case id != tok.ClientID:
		s.league.Version.Write(w, r, leaguefake.InvalidRequest("client_id", "The access token was not issued to this client"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strconv.FormatInt(u.ID, 10) != tok.Subject {
			continue
		}
		profile := map[string]any{}
		for k, v := range u.Extra {
			profile[k] = v
		}
		profile["id"] = u.ID
		profile["email"] = u.Email
		profile["first_name"] = u.FirstName
		profile["last_name"] = u.LastName
		profile["name"] = profileName(u)
		fakeidp.WriteJSON(w, http.StatusOK, profile)
		return
	}
	fakeidp.WriteJSON(w, http.StatusNotFound, map[string]string{"message": "User not found."})
}
