package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// sameOrigin is what a browser sends with the app's own logout form.
func (e *env) sameOrigin() http.Header {
	return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}}
}

// signedOutPage configures the handler's own post-logout page as the
// post_logout_redirect_uri (registered at the LicenseSpring fake by the
// harness).
func signedOutPage(e *env, c *web.Config) { c.PostLogoutRedirectURL = e.app.URL + "/auth/signed-out" }

// paths are the paths b visited, without their queries (which hold codes
// and states): what a failure message may show.
func (b *browser) paths() []string {
	var p []string
	for _, u := range b.hit {
		p = append(p, u.Path)
	}
	return p
}

// visited reports whether b went to path with query q on the app.
func (b *browser) visited(path, query string) bool {
	for _, u := range b.hit {
		if u.Host == strings.TrimPrefix(b.e.app.URL, "http://") && u.Path == path && u.RawQuery == query {
			return true
		}
	}
	return false
}

// TestRPLogoutReturnTo: a logout through LicenseSpring's Keycloak, whose
// valid post-logout redirect URIs are the app's root and its signed-out
// page (matched exactly), is accepted whatever the logout's return_to:
// post_logout_redirect_uri is always the one configured URL, never the
// return_to on the app's origin (which Keycloak refused with 400 "Invalid
// redirect uri"). Through the handler's signed-out page the browser then
// goes on to return_to; through the default (the app's root) it ends at
// "/", as documented.
func TestRPLogoutReturnTo(t *testing.T) {
	const returnTo = "/reports/42?tab=x&y=1"
	tests := []struct {
		name      string
		mod       func(*env, *web.Config)
		post      string // the post_logout_redirect_uri, on the app
		wantPath  string // where the browser goes after the provider
		wantQuery string
	}{
		{"default: the app's root", nil, "/", "/", ""},
		{"the handler's signed-out page", signedOutPage, "/auth/signed-out", "/reports/42", "tab=x&y=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.mod)
			b, _ := e.loggedIn(t, "licensespring")
			r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {returnTo}}, e.sameOrigin())
			u, err := url.Parse(r.location)
			must(t, err)
			if r.status != http.StatusSeeOther || u.Path != "/realms/user-portal/protocol/openid-connect/logout" {
				t.Fatalf("logout: status %d, path %q; want 303 to the end-session endpoint", r.status, u.Path)
			}
			if got := u.Query().Get("post_logout_redirect_uri"); got != e.app.URL+tt.post {
				t.Errorf("post_logout_redirect_uri = %q, want %q", got, e.app.URL+tt.post)
			}
			end := b.get(r.location)
			if end.status == http.StatusBadRequest {
				t.Fatalf("the provider refused the logout: %s", end.body)
			}
			if !b.visited(tt.wantPath, tt.wantQuery) {
				t.Errorf("after the provider the browser went through %v, want %s?%s", b.paths(), tt.wantPath, tt.wantQuery)
			}
			if b.session() != nil {
				t.Error("session survives logout")
			}
		})
	}
}

// TestRPLogoutWithoutIDToken: a session whose tokens were ended elsewhere
// (EndSessions here; back-channel logout or idle alike) has no ID token
// left for id_token_hint; the logout still names the client (client_id,
// §2), so Keycloak asks "Do you want to log out?" and then sends the
// browser back to the registered URL, rather than answering 400 "Missing
// parameter: id_token_hint".
func TestRPLogoutWithoutIDToken(t *testing.T) {
	e := newEnv(t, signedOutPage)
	b, s := e.loggedIn(t, "licensespring")
	if _, err := e.h.EndSessions(context.Background(), "licensespring", "", s.Subject); err != nil {
		t.Fatal(err)
	}
	r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {"/bye"}}, e.sameOrigin())
	u, err := url.Parse(r.location)
	must(t, err)
	q := u.Query()
	if q.Has("id_token_hint") {
		t.Error("id_token_hint sent for a session without tokens")
	}
	if got, want := q.Get("client_id"), e.ls.Options().ClientID; got != want {
		t.Errorf("client_id = %q, want %q", got, want)
	}
	confirm := b.get(r.location)
	if confirm.status != http.StatusOK || !strings.Contains(confirm.body, `id="kc-logout"`) {
		t.Fatalf("the provider answered %d, want its logout confirmation", confirm.status)
	}
	form := url.Values{"confirm_logout": {"yes"}}
	for _, m := range regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(confirm.body, -1) {
		form.Set(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	req, _ := http.NewRequest(http.MethodPost, e.ls.Issuer()+"/protocol/openid-connect/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if end := b.do(req); end.status == http.StatusBadRequest {
		t.Fatalf("the provider refused the confirmed logout: %s", end.body)
	}
	if !b.visited("/bye", "") {
		t.Errorf("after the provider the browser went through %v, want /bye", b.paths())
	}
}

// TestSignedOutPage: GET {BasePath}/signed-out sends the browser on to the
// return_to sealed at logout only with that logout's state, before the
// cookie expires, and once; anything else goes to "/". The cookie is
// deleted whatever happens.
func TestSignedOutPage(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(e *env, c *web.Config) { signedOutPage(e, c); c.Now = clock })
	tests := []struct {
		name  string
		state func(sent string) string
		later time.Duration
		want  string
	}{
		{"the logout's state", func(s string) string { return s }, 0, "/bye?x=1"},
		{"another state", func(string) string { return "not-the-state" }, 0, "/"},
		{"no state", func(string) string { return "" }, 0, "/"},
		{"after five minutes", func(s string) string { return s }, 5*time.Minute + time.Second, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := e.loggedIn(t, "licensespring")
			r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {"/bye?x=1"}}, e.sameOrigin())
			u, err := url.Parse(r.location)
			must(t, err)
			sent := u.Query().Get("state")
			if sent == "" {
				t.Fatal("the end-session request carries no state")
			}
			e.mu.Lock()
			e.tokens = append(e.tokens, sent)
			e.mu.Unlock()
			mu.Lock()
			now = now.Add(tt.later)
			mu.Unlock()
			path := "/auth/signed-out"
			if st := tt.state(sent); st != "" {
				path += "?state=" + url.QueryEscape(st)
			}
			if got := b.first(http.MethodGet, path, nil, nil); got.status != http.StatusSeeOther || got.location != tt.want {
				t.Errorf("signed-out page: %d to %q, want 303 to %q", got.status, got.location, tt.want)
			}
			if got := b.first(http.MethodGet, "/auth/signed-out?state="+url.QueryEscape(sent), nil, nil); got.location != "/" {
				t.Errorf("signed-out page opened again: to %q, want \"/\" (the cookie is used once)", got.location)
			}
		})
	}
}

// TestLogoutReturnCookie: the cookie that carries return_to across the
// provider follows the package's conventions — sealed (return_to is not
// readable in it), HttpOnly, SameSite=Lax, five minutes — and is set only
// when the provider will send the browser to the handler's signed-out page.
func TestLogoutReturnCookie(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*env, *web.Config)
		want bool
	}{
		{"signed-out page", signedOutPage, true},
		{"default post-logout URL", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.mod)
			b, _ := e.loggedIn(t, "licensespring")
			form := url.Values{"return_to": {"/reports/secret-looking-path"}}
			req, _ := http.NewRequest(http.MethodPost, e.app.URL+"/auth/logout", strings.NewReader(form.Encode()))
			req.Header = e.sameOrigin()
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			c := *b.c
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := c.Do(req)
			must(t, err)
			resp.Body.Close()
			var found *http.Cookie
			for _, ck := range resp.Cookies() {
				if strings.HasSuffix(ck.Name, "oauthkit_logout") {
					found = ck
				}
			}
			if (found != nil) != tt.want {
				t.Fatalf("logout return cookie set: %t, want %t", found != nil, tt.want)
			}
			if found == nil {
				return
			}
			if !found.HttpOnly || found.SameSite != http.SameSiteLaxMode || found.Path != "/" || found.MaxAge != 300 {
				t.Errorf("cookie HttpOnly=%t SameSite=%v Path=%q MaxAge=%d, want HttpOnly, Lax, /, 300", found.HttpOnly, found.SameSite, found.Path, found.MaxAge)
			}
			if strings.Contains(found.Value, "secret-looking") || strings.Contains(found.Value, "reports") {
				t.Error("the cookie shows return_to in the clear")
			}
		})
	}
}

// TestOwnProviderLogoutWithoutIDToken: a provider of the app's own that
// does not build its end-session URL (no oauthkit.EndSessionURLBuilder)
// names no client_id; a session with an ID token sends it as
// id_token_hint with the post-logout URL, one without sends neither
// post_logout_redirect_uri nor state (which a server may refuse without a
// client, §2) and the provider ends its session only.
func TestOwnProviderLogoutWithoutIDToken(t *testing.T) {
	for _, tt := range []struct {
		name     string
		idToken  bool
		wantPost string
	}{
		{"with an ID token", true, "https://app.example/auth/signed-out"},
		{"without", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := web.New(web.Config{
				Providers:             []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}},
				Keys:                  [][]byte{newKey()},
				PostLogoutRedirectURL: "https://app.example/auth/signed-out",
			})
			must(t, err)
			tok := stubTokens()
			if !tt.idToken {
				tok = &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
			}
			_, session, err := web.StartSession(h, httptest.NewRequest("GET", "https://app.example/auth/a/callback", nil), "", &oauthkit.Login{Provider: "a", Token: tok, UserInfo: oauthkit.UserInfo{Subject: "u1"}})
			must(t, err)
			w, loc := stubLogout(t, h, session, "")
			if w.Code != http.StatusSeeOther || loc.Host != "idp.example" {
				t.Fatalf("logout: status %d to host %q, want 303 to the end-session endpoint", w.Code, loc.Host)
			}
			q := loc.Query()
			if got := q.Get("post_logout_redirect_uri"); got != tt.wantPost {
				t.Errorf("post_logout_redirect_uri = %q, want %q", got, tt.wantPost)
			}
			if q.Has("state") != tt.idToken || q.Has("id_token_hint") != tt.idToken {
				t.Errorf("state sent %t, id_token_hint sent %t, want both %t", q.Has("state"), q.Has("id_token_hint"), tt.idToken)
			}
			for _, c := range w.Result().Cookies() {
				if strings.HasSuffix(c.Name, "oauthkit_logout") && !tt.idToken {
					t.Error("a logout return cookie for a trip that cannot come back")
				}
			}
		})
	}
}

// TestRenderedPagesDenyFraming: every page the handler renders refuses to
// be framed both ways: CSP frame-ancestors 'none' and, for browsers
// without CSP Level 2, X-Frame-Options: DENY.
func TestRenderedPagesDenyFraming(t *testing.T) {
	e := implicitEnv(t, nil)
	for _, tt := range []struct{ name, path string }{
		{"sign-in page", "/auth/sign-in"},
		{"error page", "/auth/licensespring/callback?error=access_denied&state=x"},
		{"implicit fragment page", "/auth/licensespring/callback"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(e.app.URL + tt.path)
			must(t, err)
			resp.Body.Close()
			if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: Content-Type %q, want a page", tt.path, resp.Header.Get("Content-Type"))
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q, want frame-ancestors 'none'", csp)
			}
			if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options = %q, want DENY", got)
			}
		})
	}
}
