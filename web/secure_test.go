package web_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// stubIDP is a provider whose login start needs no server: AuthCodeURL
// makes a request for https://idp.example, and its end_session_endpoint is
// https://idp.example/logout. redirect, when set, is what RedirectURL
// reports.
type stubIDP struct {
	name, redirect string
}

func (p stubIDP) Name() string        { return p.name }
func (p stubIDP) RedirectURL() string { return p.redirect }
func (p stubIDP) Discover(context.Context) (*oauthkit.Endpoints, error) {
	return &oauthkit.Endpoints{EndSessionURL: "https://idp.example/logout"}, nil
}
func (p stubIDP) AuthCodeURL(context.Context, ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	b := make([]byte, 32)
	rand.Read(b)
	state := hex.EncodeToString(b)
	now := time.Now()
	return &oauthkit.AuthRequest{Provider: p.name, URL: "https://idp.example/authorize?response_type=code&state=" + state, State: state, RedirectURL: p.redirect, IssuedAt: now, ExpiresAt: now.Add(oauthkit.DefaultLoginMaxAge)}, nil
}
func (p stubIDP) Exchange(context.Context, string, *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}
func (p stubIDP) ClientCredentials(context.Context) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}
func (p stubIDP) Refresh(context.Context, string) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}

// stubTokens are a login's tokens with an ID token, which a logout at a
// provider that names no client_id (a stubIDP) needs to send a
// post_logout_redirect_uri.
func stubTokens() *oauth2.Token {
	return (&oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}).WithExtra(map[string]any{"id_token": "stub-id-token"})
}

// TestCookiesSecureFromConfigNotHost: whether cookies are Secure follows
// from the configuration — InsecureCookies, or every provider's redirect
// URL being plain http on loopback — never from the request's Host: a
// TLS-terminating proxy that forwards Host 127.0.0.1 over plain http still
// gets Secure cookies, and the post-logout redirect is on the origin of the
// provider's redirect URL.
func TestCookiesSecureFromConfigNotHost(t *testing.T) {
	const (
		https    = "https://app.example/auth/a/callback"
		loopback = "http://127.0.0.1:8080/auth/a/callback"
	)
	resolve := func(*http.Request, string) (oauthkit.Provider, error) { return stubIDP{"a", https}, nil }
	tests := []struct {
		name       string
		cfg        web.Config
		wantSecure bool
		wantPost   string // the post-logout redirect: provider a's origin
	}{
		{"https redirect URL", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", https}}}, true, "https://app.example/"},
		{"loopback http redirect URL", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", loopback}}}, false, "http://127.0.0.1:8080/"},
		{"one loopback, one https", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", loopback}, stubIDP{"b", "https://app.example/auth/b/callback"}}}, true, "http://127.0.0.1:8080/"},
		{"a provider that does not say", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", loopback}, newIDP("b")}}, true, "http://127.0.0.1:8080/"},
		{"loopback http, not a loopback host", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "http://app.example/auth/a/callback"}}}, true, "http://app.example/"},
		{"InsecureCookies", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", https}}, InsecureCookies: true}, false, "https://app.example/"},
		{"Resolve", web.Config{Resolve: resolve}, true, "https://app.example/"},
		{"Resolve and InsecureCookies", web.Config{Resolve: resolve, InsecureCookies: true}, false, "https://app.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Keys = [][]byte{newKey()}
			h, err := web.New(tt.cfg)
			must(t, err)
			// What a TLS-terminating proxy forwards: plain http, Host loopback.
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1:8080/auth/a/login", nil))
			if w.Code != http.StatusFound {
				t.Fatalf("login: status %d", w.Code)
			}
			cookies := w.Result().Cookies()
			if len(cookies) == 0 {
				t.Fatal("login set no cookie")
			}
			for _, c := range cookies {
				if c.Secure != tt.wantSecure {
					t.Errorf("login cookie Secure = %t, want %t", c.Secure, tt.wantSecure)
				}
			}
			r := httptest.NewRequest("GET", "http://127.0.0.1:8080/auth/a/callback", nil)
			_, session, err := web.StartSession(h, r, "", &oauthkit.Login{Provider: "a", Token: stubTokens(), UserInfo: oauthkit.UserInfo{Subject: "u1"}})
			must(t, err)
			if session == nil {
				t.Fatal("no session cookie")
			}
			if session.Secure != tt.wantSecure {
				t.Errorf("session cookie Secure = %t, want %t", session.Secure, tt.wantSecure)
			}
			logout := httptest.NewRequest("POST", "http://127.0.0.1:8080/auth/logout", strings.NewReader(url.Values{"return_to": {"/bye"}}.Encode()))
			logout.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			logout.Header.Set("Sec-Fetch-Site", "same-origin")
			logout.AddCookie(session)
			w = httptest.NewRecorder()
			h.ServeHTTP(w, logout)
			loc, err := url.Parse(w.Header().Get("Location"))
			must(t, err)
			if got := loc.Query().Get("post_logout_redirect_uri"); got != tt.wantPost {
				t.Errorf("post_logout_redirect_uri = %q, want %q", got, tt.wantPost)
			}
		})
	}
}

// TestCookieNamesPrefixedWhenSecure: Secure cookies carry the prefixes
// browsers enforce — "__Host-" for the session cookie (Secure, Path=/, no
// Domain), "__Secure-" for the path-scoped state cookies — and the handler
// reads the session only under its prefixed name, so a cookie planted by a
// sibling subdomain under the base name is no session. Without Secure
// (plain http development) the names have no prefix, which browsers would
// refuse.
func TestCookieNamesPrefixedWhenSecure(t *testing.T) {
	for _, secure := range []bool{true, false} {
		t.Run(map[bool]string{true: "secure", false: "insecure"}[secure], func(t *testing.T) {
			h, err := web.New(web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, Keys: [][]byte{newKey()}, InsecureCookies: !secure})
			must(t, err)
			wantSession, wantState := web.SessionCookie, "oauthkit_state_"
			if secure {
				wantSession, wantState = "__Host-"+web.SessionCookie, "__Secure-oauthkit_state_"
			}
			if got := h.SessionCookieName(); got != wantSession {
				t.Errorf("SessionCookieName() = %q, want %q", got, wantSession)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "https://app.example/auth/a/login", nil))
			var state *http.Cookie
			for _, c := range w.Result().Cookies() {
				if strings.Contains(c.Name, "oauthkit_state_") {
					state = c
				}
			}
			if state == nil || !strings.HasPrefix(state.Name, wantState) || state.Domain != "" {
				t.Errorf("state cookie %q, want the prefix %q and no Domain", cookieName(state), wantState)
			}
			r := httptest.NewRequest("GET", "https://app.example/auth/a/callback", nil)
			_, session, err := web.StartSession(h, r, "", &oauthkit.Login{Provider: "a", Token: stubTokens(), UserInfo: oauthkit.UserInfo{Subject: "u1"}})
			must(t, err)
			if session == nil {
				t.Fatalf("no session cookie named %q", wantSession)
			}
			if session.Path != "/" || session.Domain != "" || session.Secure != secure {
				t.Errorf("session cookie Path=%q Domain=%q Secure=%t", session.Path, session.Domain, session.Secure)
			}
			if _, err := h.Session(request(session)); err != nil {
				t.Fatalf("the session cookie is not taken: %v", err)
			}
			if secure {
				planted := &http.Cookie{Name: web.SessionCookie, Value: session.Value}
				if _, err := h.Session(request(planted)); !errors.Is(err, web.ErrNotLoggedIn) {
					t.Errorf("a session under the unprefixed name (a sibling subdomain's plant): %v, want ErrNotLoggedIn", err)
				}
			}
		})
	}
}

func cookieName(c *http.Cookie) string {
	if c == nil {
		return "(none)"
	}
	return c.Name
}

// quietIDP is stubIDP without a RedirectURL method: a provider of the
// app's own that does not report its redirect URL.
type quietIDP struct{ p stubIDP }

func (q quietIDP) Name() string { return q.p.Name() }
func (q quietIDP) Discover(ctx context.Context) (*oauthkit.Endpoints, error) {
	return q.p.Discover(ctx)
}
func (q quietIDP) AuthCodeURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	return q.p.AuthCodeURL(ctx, opts...)
}
func (q quietIDP) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return q.p.Exchange(ctx, code, ar)
}
func (q quietIDP) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	return q.p.ClientCredentials(ctx)
}
func (q quietIDP) Refresh(ctx context.Context, rt string) (*oauth2.Token, error) {
	return q.p.Refresh(ctx, rt)
}

// TestPostLogoutRedirectNotFromHost: the default post_logout_redirect_uri
// is "/" on the app's origin as the configuration names it, whatever the
// logout's return_to — the origin of the session's provider's redirect URL, else of
// another configured provider's — never on the request's Host header: a
// logout that arrives with a foreign Host (a client or a proxy sets it)
// still sends the browser back to the configured origin. Only where no
// provider reports a redirect URL (with Resolve, a tenant's provider of the
// app's own) is the Host used, as documented.
func TestPostLogoutRedirectNotFromHost(t *testing.T) {
	const app = "https://app.example/auth/a/callback"
	resolveTo := func(p oauthkit.Provider) func(*http.Request, string) (oauthkit.Provider, error) {
		return func(*http.Request, string) (oauthkit.Provider, error) { return p, nil }
	}
	tests := []struct {
		name string
		cfg  web.Config
		want string
	}{
		{"the session's provider's origin", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", app}}}, "https://app.example/"},
		{"a loopback origin", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "http://127.0.0.1:8080/auth/a/callback"}}}, "http://127.0.0.1:8080/"},
		{"another provider's origin", web.Config{Providers: []oauthkit.Provider{quietIDP{stubIDP{"a", ""}}, stubIDP{"b", "https://app.example/auth/b/callback"}}}, "https://app.example/"},
		{"Resolve", web.Config{Resolve: resolveTo(stubIDP{"a", app})}, "https://app.example/"},
		{"PostLogoutRedirectURL", web.Config{Providers: []oauthkit.Provider{stubIDP{"a", app}}, PostLogoutRedirectURL: "https://app.example/signed-out"}, "https://app.example/signed-out"},
		{"no provider reports one: the Host", web.Config{Providers: []oauthkit.Provider{quietIDP{stubIDP{"a", ""}}}}, "https://evil.example/"},
		{"Resolve, no provider reports one: the Host", web.Config{Resolve: resolveTo(quietIDP{stubIDP{"a", ""}})}, "https://evil.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Keys = [][]byte{newKey()}
			h, err := web.New(tt.cfg)
			must(t, err)
			_, session, err := web.StartSession(h, httptest.NewRequest("GET", "https://app.example/auth/a/callback", nil), "", &oauthkit.Login{Provider: "a", Token: stubTokens(), UserInfo: oauthkit.UserInfo{Subject: "u1"}})
			must(t, err)
			w, loc := stubLogout(t, h, session, "evil.example")
			if w.Code != http.StatusSeeOther || loc.Host != "idp.example" {
				t.Fatalf("logout: status %d, redirected to host %q, want 303 to the end-session endpoint", w.Code, loc.Host)
			}
			if got := loc.Query().Get("post_logout_redirect_uri"); got != tt.want {
				t.Errorf("post_logout_redirect_uri = %q, want %q", got, tt.want)
			}
		})
	}
}

// mixUpIDP is a tenant's provider that records the codes sent to it.
type mixUpIDP struct {
	stubIDP
	tenant string
	codes  chan string
}

func (p mixUpIDP) Exchange(_ context.Context, code string, _ *oauthkit.AuthRequest) (*oauth2.Token, error) {
	p.codes <- p.tenant + ":" + code
	return nil, errors.ErrUnsupported
}

// TestCallbackRefusesAnotherTenantsAnswer: with Resolve, a tenant's provider
// whose redirect URL names its tenant sends its answer there; a code from
// tenant "honest"'s provider arriving with the state of a login to tenant
// "evil" (a mix-up, RFC 9700 §4.4, without iss) is refused, not sent to
// evil's token endpoint. The login's own tenant completes as before.
func TestCallbackRefusesAnotherTenantsAnswer(t *testing.T) {
	codes := make(chan string, 4)
	resolve := func(r *http.Request, name string) (oauthkit.Provider, error) {
		tenant := web.Tenant(r)
		return mixUpIDP{stubIDP{"oid", "https://app.example/auth/oid/callback?tenant=" + tenant}, tenant, codes}, nil
	}
	h, err := web.New(web.Config{Resolve: resolve, Keys: [][]byte{newKey()}})
	must(t, err)
	login := func(tenant string) (string, []*http.Cookie) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://app.example/auth/oid/login?tenant="+tenant, nil))
		if w.Code != http.StatusFound {
			t.Fatalf("login: status %d", w.Code)
		}
		loc, err := url.Parse(w.Header().Get("Location"))
		must(t, err)
		return loc.Query().Get("state"), w.Result().Cookies()
	}
	callback := func(tenant, state string, cookies []*http.Cookie) int {
		r := httptest.NewRequest(http.MethodGet, "https://app.example/auth/oid/callback?tenant="+tenant+"&code=CODE&state="+url.QueryEscape(state), nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	state, cookies := login("evil")
	if got := callback("honest", state, cookies); got != http.StatusBadRequest {
		t.Errorf("honest's answer with evil's login: status %d, want 400", got)
	}
	select {
	case c := <-codes:
		t.Errorf("the code went to a token endpoint (%s)", strings.SplitN(c, ":", 2)[0])
	default:
	}

	state, cookies = login("evil")
	callback("evil", state, cookies)
	select {
	case c := <-codes:
		if !strings.HasPrefix(c, "evil:") {
			t.Errorf("evil's own answer went to %s", strings.SplitN(c, ":", 2)[0])
		}
	default:
		t.Error("the login's own tenant's answer was not exchanged")
	}
}

// stubLogout posts a same-origin logout of session, with return_to /bye,
// to h (with host as the request's Host, if set), and returns the answer
// and where it redirects.
func stubLogout(t *testing.T, h *web.Handler, session *http.Cookie, host string) (*httptest.ResponseRecorder, *url.URL) {
	t.Helper()
	logout := httptest.NewRequest("POST", "https://app.example/auth/logout", strings.NewReader(url.Values{"return_to": {"/bye"}}.Encode()))
	if host != "" {
		logout.Host = host
	}
	logout.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	logout.AddCookie(session)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, logout)
	loc, err := url.Parse(w.Header().Get("Location"))
	must(t, err)
	return w, loc
}
