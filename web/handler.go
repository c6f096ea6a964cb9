package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
)

// Defaults of [Config].
const (
	DefaultBasePath      = "/auth"
	DefaultSessionMaxAge = 12 * time.Hour
	DefaultIdleTimeout   = 2 * time.Hour
)

// Config configures a [Handler]. Providers (or Resolve) and Keys are
// required; every other zero value is usable.
type Config struct {
	// Providers are routed by their Name(): /auth/{name}/login. Each one's
	// RedirectURL must be this handler's callback, {BasePath}/{name}/callback
	// (https://bestapp.example/auth/webuntis/callback): New checks its path
	// for every provider that reports it (a RedirectURL() string method,
	// which the four vendor packages' providers have) and refuses any other
	// with [ErrRedirectURL].
	Providers []oauthkit.Provider

	// Resolve, instead of Providers, picks the provider per request: one
	// Provider per tenant (a WebUntis school, say). It is called at login,
	// callback, logout and TokenSource with a request whose [Tenant] is the
	// tenant of that login: at login the tenant query parameter
	// (/auth/webuntis/login?tenant=1234), afterwards the value sealed into the
	// state and session cookies, never a parameter of the callback. An error
	// wrapping [ErrUnknownProvider] answers 404.
	//
	// All tenants of a provider name share one callback, so an answer from
	// one tenant's provider could arrive with another tenant's login (a
	// mix-up, RFC 9700 §4.4: an attacker's tenant sends the user on to an
	// honest one's provider). Only the answer's iss (RFC 9207) shows it,
	// unless each tenant's provider has a redirect URL naming its tenant
	// (https://bestapp.example/auth/openid/callback?tenant=acme): the
	// callback then refuses a tenant other than its login's. Give tenants'
	// providers such redirect URLs where a provider may not send iss. Resolve
	// should also accept a tenant only in one spelling (its canonical one):
	// sessions are filed, and ended by EndSessions and back-channel logout,
	// under the tenant as the login gave it.
	Resolve func(r *http.Request, name string) (oauthkit.Provider, error)

	// Keys are 32-byte AES-256-GCM keys for the state and session cookies:
	// Keys[0] seals, all of them open. To rotate, add a new key last on
	// every replica (all can then open what it will seal), then move it
	// first in a second deploy; an old key stays until the cookies sealed
	// with it have expired. Make one with crypto/rand and keep it secret.
	Keys [][]byte

	// BasePath is where the handler is mounted: a path of its own, such as
	// "/auth", never "/". Zero: "/auth".
	BasePath string

	// InsecureCookies drops the Secure attribute from the state and session
	// cookies (and their __Host-/__Secure- name prefixes), so that they
	// travel over plain http: for development on plain http only. Without
	// it cookies are Secure, decided once by New from the configuration,
	// never from a request's Host header (which a proxy or client sets):
	// they lack Secure only when every provider in Providers reports its
	// redirect URL (a RedirectURL() string method, which the four vendor
	// packages' providers have) and each is plain http to a loopback host
	// (http://127.0.0.1:8080/auth/…/callback, a developer's machine). With
	// Resolve the providers are unknown at New: cookies are Secure.
	InsecureCookies bool

	// SessionMaxAge is how long a login's session lasts at most, however
	// active. Zero: 12 hours ([DefaultSessionMaxAge]).
	SessionMaxAge time.Duration
	// IdleTimeout ends a session that has not been used for this long; each
	// use moves its end on (written to the store at most once a minute).
	// Zero: 2 hours ([DefaultIdleTimeout]); negative: no idle timeout.
	IdleTimeout time.Duration
	// LoginMaxAge is how long a login may take, from the login redirect to
	// the callback: the state cookie's max age. Zero:
	// [oauthkit.DefaultLoginMaxAge].
	LoginMaxAge time.Duration

	// Tokens keeps each session's tokens on the server. Zero: a
	// [MemoryTokenStore], which loses them (and so ends every session) when
	// the process restarts, and belongs to one replica. Several replicas
	// behind a load balancer share one store (redisstore.SessionStore): it
	// brings the fleet's refresh lease with it, so a session's refresh
	// token is sent once for the whole fleet.
	Tokens TokenStore

	// SignInPath is where [Handler.RequireLogin] sends a visitor without a
	// session, with return_to set. Zero with Providers: the one provider's
	// login when there is exactly one (the sign-in page right after a
	// logout, to say so), else the handler's sign-in page,
	// {BasePath}/sign-in, a button per provider. Zero with Resolve: a 401
	// page (only the app knows its tenants; give it a page of its own).
	SignInPath string

	// PostLogoutRedirectURL is the absolute URL a provider with an
	// end_session_endpoint sends the browser back to after logout
	// (RP-Initiated Logout 1.0 post_logout_redirect_uri): one URL for every
	// logout, whatever its return_to, since providers compare it exactly
	// with the ones registered for the client. Register it with the
	// provider. Set it to the handler's own post-logout page,
	// {app}{BasePath}/signed-out ([Handler.SignedOutPath];
	// https://bestapp.example/auth/signed-out), and a logout through the
	// provider comes back to its return_to: the handler seals return_to into
	// a short-lived cookie bound to the request's state, and that page sends
	// the browser on. Any other URL is where every such logout ends, its
	// return_to dropped.
	//
	// Zero: "/" on the app's origin, the scheme and host of the session's
	// provider's RedirectURL (https://bestapp.example/auth/webuntis/callback
	// gives https://bestapp.example/), or of the first of Providers that
	// reports one; never the request's Host header, which a client or a
	// proxy sets. Only when no provider reports a redirect URL (a provider of
	// one's own without a RedirectURL() string method, or, with Resolve,
	// such a provider for the tenant) is the request's host used, over
	// https unless cookies are not Secure (see InsecureCookies): set
	// PostLogoutRedirectURL then.
	PostLogoutRedirectURL string

	// OnLogin is called after a successful callback, before the session
	// cookie is set, with the new session and the login (tokens included).
	// An error refuses the login (the user sees the error page).
	OnLogin func(r *http.Request, s *Session, login *oauthkit.Login) error
	// OnLogout is called when a session ends in the browser's request: at
	// logout, when a new login completes in a browser that had a session,
	// and when a login starts at a provider with a [LaunchRule].
	OnLogout func(r *http.Request, s *Session)
	// OnError answers a failed login, callback or logout instead of the
	// default error page. err.Status is the status the default page uses.
	OnError func(w http.ResponseWriter, r *http.Request, err *Error)

	// Logger receives one line per login started, completed or failed and
	// per logout; never a token, code, state, cookie or key. Zero: nothing is
	// logged.
	Logger *slog.Logger

	// Now is the handler's clock. Zero: time.Now.
	Now func() time.Time
}

// Handler serves the login, callback and logout endpoints. Make one with
// [New]; it is safe for concurrent use.
type Handler struct {
	cfg       Config
	sealer    *seal.Sealer
	providers map[string]oauthkit.Provider
	tokens    TokenStore
	log       *slog.Logger
	mux       *http.ServeMux
	locks     keyedMutex
	secure    bool // cookies are Secure (and prefixed), post-logout redirects https; see Config.InsecureCookies
	ownSignIn bool // Config.SignInPath was zero: RequireLogin sends visitors to this handler's sign-in

	sessionName, statePrefix, signedOutName, bindingName string // cookie names, prefixed when secure

	refreshTimeout, leaseTTL time.Duration // see refreshTimeout and leaseMargin
}

// ErrUnknownProvider: no provider of that name (or tenant) is configured.
var ErrUnknownProvider = errors.New("web: unknown provider")

var basePathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)

// New validates cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	if (len(cfg.Providers) == 0) == (cfg.Resolve == nil) {
		return nil, errors.New("web: set exactly one of Config.Providers and Config.Resolve")
	}
	s, err := seal.New(cfg.Keys)
	if err != nil {
		return nil, fmt.Errorf("web: Config.Keys: %w", err)
	}
	if cfg.BasePath == "" {
		cfg.BasePath = DefaultBasePath
	}
	if cfg.BasePath == "/" {
		// Its paths would be /{provider}/…: a provider segment "/evil.example"
		// would make links scheme-relative (//evil.example/login).
		return nil, errors.New(`web: Config.BasePath "/" : mount the handler under a path of its own, such as "/auth"`)
	}
	cfg.BasePath = strings.TrimSuffix(cfg.BasePath, "/")
	if !basePathRE.MatchString(cfg.BasePath) {
		return nil, fmt.Errorf("web: Config.BasePath %q is not a plain absolute path", cfg.BasePath)
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = DefaultSessionMaxAge
	}
	switch {
	case cfg.IdleTimeout == 0:
		cfg.IdleTimeout = DefaultIdleTimeout
	case cfg.IdleTimeout < 0:
		cfg.IdleTimeout = 0
	}
	if cfg.LoginMaxAge <= 0 {
		cfg.LoginMaxAge = oauthkit.DefaultLoginMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, sealer: s, tokens: cfg.Tokens, log: cfg.Logger, providers: map[string]oauthkit.Provider{},
		refreshTimeout: refreshTimeout, leaseTTL: refreshTimeout + leaseMargin}
	if h.tokens == nil {
		h.tokens = NewMemoryTokenStore()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	for i, p := range cfg.Providers {
		if p == nil {
			return nil, fmt.Errorf("web: Config.Providers[%d] is nil", i)
		}
		n := p.Name()
		if !nameRE.MatchString(n) {
			return nil, fmt.Errorf("web: provider name %q cannot be a path segment", n)
		}
		if _, dup := h.providers[n]; dup {
			return nil, fmt.Errorf("web: two providers are named %q (use Resolve for one provider per tenant)", n)
		}
		if err := checkRedirectURL(p, h.callbackPath(n)); err != nil {
			return nil, err
		}
		h.providers[n] = p
	}
	h.secure = !cfg.InsecureCookies && !loopbackHTTPOnly(cfg.Providers)
	h.sessionName, h.statePrefix, h.signedOutName, h.bindingName = SessionCookie, statePrefix, signedOutCookie, bindingCookie
	if h.secure {
		h.sessionName, h.statePrefix, h.signedOutName, h.bindingName = hostPrefix+SessionCookie, securePrefix+statePrefix, hostPrefix+signedOutCookie, hostPrefix+bindingCookie
	}
	if cfg.SignInPath == "" && cfg.Resolve == nil {
		h.ownSignIn = true
		h.cfg.SignInPath = h.signInPath()
		if len(h.providers) == 1 {
			h.cfg.SignInPath = h.loginPath(cfg.Providers[0].Name())
		}
	}

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, &Error{Kind: KindCrossSite, Status: http.StatusForbidden, Err: errors.New("cross-origin POST refused (Sec-Fetch-Site/Origin)")})
	}))
	mux := http.NewServeMux()
	b := cfg.BasePath
	if cfg.Resolve == nil {
		// A provider named "sign-in" keeps its login at {BasePath}/sign-in/login.
		mux.HandleFunc("GET "+b+signInSegment, h.signIn)
	}
	mux.HandleFunc("GET "+b+"/{provider}/login", h.login)
	mux.HandleFunc("GET "+b+"/{provider}/callback", h.callback)
	mux.Handle("POST "+b+"/{provider}/callback", cop.Handler(http.HandlerFunc(h.implicitCallback)))
	mux.Handle("POST "+b+"/logout", cop.Handler(http.HandlerFunc(h.logout)))
	mux.HandleFunc("GET "+b+signedOutSegment, h.afterLogout)
	// Server to server: the provider posts without Origin or Sec-Fetch-Site,
	// and the logout token is its own proof.
	mux.HandleFunc("POST "+b+"/{provider}/backchannel-logout", h.backchannelLogout)
	mux.HandleFunc(b+"/logout", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "logout takes a POST", http.StatusMethodNotAllowed)
	})
	mux.HandleFunc(b+"/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, &Error{Kind: KindNotFound, Status: http.StatusNotFound, Err: errors.New("no such endpoint")})
	})
	h.mux = mux
	return h, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ServeHTTP serves GET {BasePath}/{provider}/login, GET (and, for the
// implicit grant, POST) {BasePath}/{provider}/callback, POST
// {BasePath}/logout, GET {BasePath}/signed-out (where a provider's
// end_session_endpoint may send the browser back, see
// [Handler.SignedOutPath]), POST {BasePath}/{provider}/backchannel-logout and,
// with Config.Providers, the sign-in page GET {BasePath}/sign-in.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setPrivate(w)
	h.mux.ServeHTTP(w, r)
}

// setPrivate sets the headers of every answer the handler gives itself —
// those of ServeHTTP, and RequireLogin's redirect, 401 and 503: no cache
// keeps it (it may set or clear a cookie, or depend on one), and no
// Referer from it carries its URL (a state, a code, a return_to) to
// another site.
func setPrivate(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// LoginPath returns the path of provider name's login endpoint.
func (h *Handler) LoginPath(name string) string { return h.loginPath(name) }

// LogoutPath returns the path the logout form posts to.
func (h *Handler) LogoutPath() string { return h.cfg.BasePath + "/logout" }

func (h *Handler) loginPath(name string) string    { return h.cfg.BasePath + "/" + name + "/login" }
func (h *Handler) callbackPath(name string) string { return h.cfg.BasePath + "/" + name + "/callback" }

// provider returns the provider name for r, whose context carries tenant.
// A name that is no plain path segment is no provider, whatever Resolve
// would say.
func (h *Handler) provider(r *http.Request, name, tenant string) (oauthkit.Provider, *http.Request, error) {
	r = r.WithContext(context.WithValue(r.Context(), tenantKey{}, tenant))
	if !nameRE.MatchString(name) {
		return nil, r, ErrUnknownProvider
	}
	if h.cfg.Resolve != nil {
		p, err := h.cfg.Resolve(r, name)
		if err != nil {
			return nil, r, err
		}
		if p == nil {
			return nil, r, ErrUnknownProvider
		}
		if p.Name() != name {
			return nil, r, fmt.Errorf("web: Resolve returned provider %q for %q: %w", p.Name(), name, ErrUnknownProvider)
		}
		return p, r, nil
	}
	p, ok := h.providers[name]
	if !ok || tenant != "" {
		return nil, r, ErrUnknownProvider
	}
	return p, r, nil
}

// knownName returns name when it is one of Config.Providers, else "": the
// provider an error page may name (and link to) before anything sealed has
// vouched for the path's provider segment. With Resolve the providers are
// unknown until a state or session cookie opens: only the four vendors'
// names, fixed words, are named.
func (h *Handler) knownName(name string) string {
	if h.cfg.Resolve != nil {
		if vendorName(name) != name {
			return name
		}
		return ""
	}
	if _, ok := h.providers[name]; ok {
		return name
	}
	return ""
}

// mayBeProvider reports whether a callback's provider segment can name a
// provider: one of Config.Providers, or with Resolve a plain name.
func (h *Handler) mayBeProvider(name string) bool {
	if h.cfg.Resolve != nil {
		return nameRE.MatchString(name)
	}
	return h.knownName(name) != ""
}

type tenantKey struct{}

// Tenant returns the tenant of the login a request belongs to, for
// [Config.Resolve]: at login the tenant query parameter, at callback,
// logout and [Handler.TokenSource] the tenant sealed into the state or
// session cookie. "" when there is none.
func Tenant(r *http.Request) string {
	t, _ := r.Context().Value(tenantKey{}).(string)
	return t
}

// ErrRedirectURL: a provider in Config.Providers reports a redirect URL
// whose path is not this handler's callback, {BasePath}/{name}/callback,
// so that every login would end on a page the handler does not serve.
var ErrRedirectURL = errors.New("web: a provider's RedirectURL is not the handler's callback")

// redirectURLError is [ErrRedirectURL] for one provider, saying which path
// it has and which it needs.
type redirectURLError struct {
	provider, got, want string
	empty               bool // no RedirectURL at all
}

func (e *redirectURLError) Error() string {
	if e.empty {
		return fmt.Sprintf("web: provider %q: RedirectURL is empty, want one with the path %q", e.provider, e.want)
	}
	return fmt.Sprintf("web: provider %q: RedirectURL path is %q, want %q", e.provider, e.got, e.want)
}

func (e *redirectURLError) Is(target error) bool { return target == ErrRedirectURL }

// redirectReporter is a provider that reports its redirect URL, as the four
// vendor packages' providers do.
type redirectReporter interface{ RedirectURL() string }

// checkRedirectURL checks that p, when it reports its redirect URL (the
// four vendor packages' providers do), sends the browser back to callback:
// the URL's path must be exactly that (the host is the app's, which only
// the browser knows). A provider that does not report one is not checked.
func checkRedirectURL(p oauthkit.Provider, callback string) error {
	rp, ok := p.(redirectReporter)
	if !ok {
		return nil
	}
	raw := rp.RedirectURL()
	if raw == "" {
		return &redirectURLError{provider: p.Name(), want: callback, empty: true}
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The vendor's New has parsed it; say nothing of what it holds.
		return &redirectURLError{provider: p.Name(), got: "(unparsable)", want: callback}
	}
	if u.Path != callback {
		return &redirectURLError{provider: p.Name(), got: u.Path, want: callback}
	}
	return nil
}

// loopbackHTTPOnly reports whether every provider reports a redirect URL
// that is plain http to a loopback host: a development setup, where Secure
// cookies would not be sent back (nothing else tells it safely: a proxy
// that terminates TLS forwards a loopback Host over plain http).
func loopbackHTTPOnly(providers []oauthkit.Provider) bool {
	if len(providers) == 0 {
		return false
	}
	for _, p := range providers {
		rp, ok := p.(redirectReporter)
		if !ok {
			return false
		}
		u, err := url.Parse(rp.RedirectURL())
		if err != nil || u.Scheme != "http" || !httpc.IsLoopback(u.Hostname()) {
			return false
		}
	}
	return true
}

func (h *Handler) now() time.Time { return h.cfg.Now() }
