package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func TestLoginHappyPathEachVendor(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			b.t = t
			r := b.login(name, "/whoami?x=1")
			if r.status != http.StatusOK {
				t.Fatalf("login ended with status %d", r.status)
			}
			s := b.session()
			if s == nil || s.Provider != name || s.Subject == "" {
				t.Fatalf("session after login = %+v", s)
			}
			if got := b.get("/api"); got.status != http.StatusOK {
				t.Errorf("/api with the session's token: status %d", got.status)
			}
			// The session cookie holds the identity only, no token.
			for _, c := range b.cookies("/") {
				if c.Name == e.h.SessionCookieName() && len(c.Value) > 1000 {
					t.Errorf("session cookie is %d bytes: does it hold tokens?", len(c.Value))
				}
			}
		})
	}
}

func TestStateCookieAttributes(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	req, _ := http.NewRequest(http.MethodGet, e.app.URL+"/auth/webuntis/login", nil)
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	var state *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasPrefix(ck.Name, "oauthkit_state_") {
			state = ck
		}
	}
	if state == nil {
		t.Fatal("login set no state cookie")
	}
	if !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.Path != "/auth/webuntis" || state.MaxAge != int(oauthkit.DefaultLoginMaxAge/time.Second) {
		t.Errorf("state cookie: HttpOnly=%t SameSite=%v Path=%q MaxAge=%d", state.HttpOnly, state.SameSite, state.Path, state.MaxAge)
	}
	if state.Secure {
		t.Error("state cookie is Secure over plain http to loopback: the browser would drop it")
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("login response is cacheable")
	}
}

func TestReplayedCallbackRefused(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	cb := b.callbackURL("webuntis", "")
	if r := b.get(cb); r.status != http.StatusOK || b.session() == nil {
		t.Fatalf("first callback: status %d", r.status)
	}
	r := b.first(http.MethodGet, cb, nil, nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "already been used") {
		t.Errorf("replayed callback: status %d, want 400 and the plain-words page", r.status)
	}
}

func TestCallbackOfBrowserAOpenedInBrowserB(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.browser(), e.browser()
	cb := a.callbackURL("unisignin", "")
	if r := b.first(http.MethodGet, cb, nil, nil); r.status != http.StatusBadRequest {
		t.Errorf("A's callback in B: status %d, want 400", r.status)
	}
	if b.session() != nil {
		t.Error("B is logged in with A's login")
	}
	if r := a.get(cb); r.status != http.StatusOK || a.session() == nil {
		t.Errorf("A's own callback afterwards: status %d", r.status)
	}
}

func TestBadStateCookiesRefused(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	e := newEnv(t, func(_ *env, c *web.Config) { c.Now = clock })
	other := newEnv(t, nil)

	t.Run("tampered", func(t *testing.T) {
		b := e.browser()
		cb := b.callbackURL("webuntis", "")
		for _, c := range b.cookies("/auth/webuntis/callback") {
			if strings.HasPrefix(c.Name, "oauthkit_state_") {
				v := []byte(c.Value)
				v[len(v)/2] ^= 0x01
				if v[len(v)/2] == '-' || v[len(v)/2] == '_' {
					v[len(v)/2] = 'A'
				}
				b.setCookie("/auth/webuntis/callback", &http.Cookie{Name: c.Name, Value: string(v)})
			}
		}
		if r := b.first(http.MethodGet, cb, nil, nil); r.status != http.StatusBadRequest {
			t.Errorf("status %d, want 400", r.status)
		}
	})
	t.Run("expired", func(t *testing.T) {
		b := e.browser()
		cb := b.callbackURL("webuntis", "")
		now.Add(int64(oauthkit.DefaultLoginMaxAge + time.Second))
		defer now.Add(-int64(oauthkit.DefaultLoginMaxAge + time.Second))
		r := b.first(http.MethodGet, cb, nil, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "took too long") {
			t.Errorf("status %d, want 400 and \"took too long\"", r.status)
		}
	})
	t.Run("foreign key", func(t *testing.T) {
		ob := other.browser()
		ocb := ob.callbackURL("webuntis", "")
		b := e.browser()
		for _, c := range ob.cookies(other.app.URL + "/auth/webuntis/callback") {
			b.setCookie("/auth/webuntis/callback", &http.Cookie{Name: c.Name, Value: c.Value})
		}
		u, _ := url.Parse(ocb)
		if r := b.first(http.MethodGet, "/auth/webuntis/callback?"+u.RawQuery, nil, nil); r.status != http.StatusBadRequest {
			t.Errorf("status %d, want 400", r.status)
		}
		if b.session() != nil {
			t.Error("logged in with a cookie sealed under another key")
		}
	})
	t.Run("tampered session cookie", func(t *testing.T) {
		b := e.browser()
		b.login("webuntis", "")
		for _, c := range b.cookies("/") {
			if c.Name == e.h.SessionCookieName() {
				v := []byte(c.Value)
				v[len(v)/2] = map[bool]byte{true: 'B', false: 'A'}[v[len(v)/2] == 'A']
				b.setCookie("/", &http.Cookie{Name: c.Name, Value: string(v)})
			}
		}
		if b.session() != nil {
			t.Error("a tampered session cookie is accepted")
		}
	})
}

func TestStateCookieOfProviderXAtProviderYCallback(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	cb := b.callbackURL("webuntis", "")
	u, _ := url.Parse(cb)
	state := u.Query().Get("state")
	var value string
	for _, c := range b.cookies("/auth/webuntis/callback") {
		if c.Name == web.StateCookieName(e.h, "webuntis", state) {
			value = c.Value
		}
	}
	if value == "" {
		t.Fatal("no state cookie for webuntis")
	}
	b.setCookie("/auth/justimmo/callback", &http.Cookie{Name: web.StateCookieName(e.h, "justimmo", state), Value: value})
	if r := b.first(http.MethodGet, "/auth/justimmo/callback?"+u.RawQuery, nil, nil); r.status != http.StatusBadRequest {
		t.Errorf("webuntis state at justimmo's callback: status %d, want 400", r.status)
	}
	if b.session() != nil {
		t.Error("logged in across providers")
	}
}

func TestAccessDeniedPage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	r := b.first(http.MethodGet, "/auth/justimmo/login", nil, nil)
	cb, err := e.ji.Deny(context.Background(), r.location)
	must(t, err)
	got := b.first(http.MethodGet, cb.String(), nil, nil)
	if got.status != http.StatusForbidden || !strings.Contains(got.body, "Access was denied at Justimmo") {
		t.Errorf("access_denied: status %d, want 403 and the plain-words page", got.status)
	}
	if strings.Contains(got.body, "denied the request") {
		t.Error("the error page shows the vendor's text")
	}
}

func TestSecondLoginEndsFirstSession(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login("webuntis", "")
	first := b.session()
	var old string
	for _, c := range b.cookies("/") {
		if c.Name == e.h.SessionCookieName() {
			old = c.Value
		}
	}
	e.wu.SetUser(webuntistest.User{Subject: "untis-user-2"})
	b.callbackURL("webuntis", "") // the login alone ends the session
	if b.session() != nil {
		t.Error("the session survives the start of a new login")
	}
	b.login("webuntis", "")
	second := b.session()
	if first == nil || second == nil || second.Subject != "untis-user-2" || second.ID == first.ID {
		t.Fatalf("sessions: first %+v, second %+v", first, second)
	}
	b2 := e.browser()
	b2.setCookie("/", &http.Cookie{Name: e.h.SessionCookieName(), Value: old})
	if b2.session() != nil {
		t.Error("the first session's cookie still works after the second login")
	}
}

func TestParallelTabLogins(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	tab1 := b.callbackURL("webuntis", "/whoami?tab=1")
	tab2 := b.callbackURL("webuntis", "/whoami?tab=2")
	tab3 := b.callbackURL("unisignin", "/whoami?tab=3")
	for i, cb := range []string{tab2, tab3, tab1} {
		if r := b.first(http.MethodGet, cb, nil, nil); r.status != http.StatusSeeOther {
			t.Errorf("tab %d's callback: status %d, want 303", i+1, r.status)
		}
	}
	if s := b.session(); s == nil || s.Provider != "webuntis" {
		t.Errorf("session after the last callback = %+v", s)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t, nil)
	for _, rt := range []string{
		"//evil.example", "/\\evil.example", "https://evil.example/", "http:evil.example",
		"/%2F%2Fevil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5cevil.example",
		"%2F%2Fevil.example", "/%252F%252Fevil.example", "/\t/evil.example", "/\n/evil.example",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "///evil.example", "/./evil/../..//evil.example",
		"\\\\evil.example", "evil.example", "/\x00/evil.example", " //evil.example",
	} {
		b := e.browser()
		cb := b.callbackURL("webuntis", rt)
		if r := b.first(http.MethodGet, cb, nil, nil); r.status != http.StatusSeeOther || r.location != "/" {
			t.Errorf("return_to %q: redirected to %q (status %d), want /", rt, r.location, r.status)
		}
	}
	b := e.browser()
	if r := b.first(http.MethodGet, b.callbackURL("webuntis", "/reports?id=7#top"), nil, nil); r.location != "/reports?id=7#top" {
		t.Errorf("a same-site path is not kept: %q", r.location)
	}
}

func TestLogoutWithoutCSRFProofRefused(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login("webuntis", "")
	for name, h := range map[string]http.Header{
		"cross-site Sec-Fetch-Site":  {"Sec-Fetch-Site": {"cross-site"}},
		"foreign Origin":             {"Origin": {"https://evil.example"}},
		"same-site but other origin": {"Sec-Fetch-Site": {"same-site"}},
	} {
		if r := b.first(http.MethodPost, "/auth/logout", url.Values{}, h); r.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.status)
		}
	}
	if b.session() == nil {
		t.Fatal("a refused logout ended the session")
	}
	if r := b.first(http.MethodGet, "/auth/logout", nil, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET logout: status %d, want 405", r.status)
	}
	r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {"//evil.example"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Errorf("same-origin logout: status %d, location %q", r.status, r.location)
	}
	if b.session() != nil {
		t.Error("logout left the session")
	}
	if got := b.get("/api"); got.status != http.StatusUnauthorized {
		t.Errorf("/api after logout: status %d, want 401 (NeedsLogin)", got.status)
	}
}

func TestRPInitiatedLogoutLicenseSpring(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login("licensespring", "")
	if b.session() == nil {
		t.Fatal("not logged in")
	}
	r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {"/bye"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	u, err := url.Parse(r.location)
	must(t, err)
	if r.status != http.StatusSeeOther || u.Scheme+"://"+u.Host+u.Path != e.ls.Issuer()+"/protocol/openid-connect/logout" {
		t.Fatalf("logout: status %d, redirected to %s://%s%s", r.status, u.Scheme, u.Host, u.Path)
	}
	q := u.Query()
	e.mu.Lock()
	idTok := e.idToken
	e.mu.Unlock()
	if idTok == "" || q.Get("id_token_hint") != idTok {
		t.Error("id_token_hint is not the login's ID token")
	}
	if q.Get("post_logout_redirect_uri") != e.app.URL+"/" {
		t.Errorf("post_logout_redirect_uri = %q, want the app's root whatever return_to", q.Get("post_logout_redirect_uri"))
	}
	if q.Get("client_id") != e.ls.Options().ClientID {
		t.Errorf("client_id = %q, want the realm's client", q.Get("client_id"))
	}
	if b.session() != nil {
		t.Error("session survives logout")
	}
}

func TestLicenseSpringImplicitFragmentPage(t *testing.T) {
	e := newEnv(t, func(e *env, c *web.Config) {
		lsc := e.ls.Config()
		lsc.ResponseType = licensespring.ResponseTypeToken
		lsc.RedirectURL = e.app.URL + "/auth/licensespring/callback"
		ls, err := licensespring.New(lsc)
		must(t, err)
		c.Providers[3] = ls
	})
	b := e.browser()
	r := b.getUntil("/auth/licensespring/login", "/auth/licensespring/callback")
	u, err := url.Parse(r.location)
	must(t, err)
	if u.Fragment == "" || u.RawQuery != "" {
		t.Fatal("the implicit redirect carries no fragment")
	}
	page := b.first(http.MethodGet, "/auth/licensespring/callback", nil, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `name="fragment"`) {
		t.Fatalf("callback without query: status %d, want the fragment page", page.status)
	}
	cross := b.first(http.MethodPost, "/auth/licensespring/callback", url.Values{"fragment": {u.EscapedFragment()}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if cross.status != http.StatusForbidden {
		t.Errorf("cross-site fragment post: status %d, want 403", cross.status)
	}
	post := b.first(http.MethodPost, "/auth/licensespring/callback", url.Values{"fragment": {u.EscapedFragment()}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if post.status != http.StatusSeeOther {
		t.Fatalf("fragment post: status %d, want 303", post.status)
	}
	if s := b.session(); s == nil || s.Provider != "licensespring" || s.Email == "" {
		t.Fatalf("session = %+v", s)
	}
	if again := b.first(http.MethodPost, "/auth/licensespring/callback", url.Values{"fragment": {u.EscapedFragment()}}, http.Header{"Sec-Fetch-Site": {"same-origin"}}); again.status != http.StatusBadRequest {
		t.Errorf("replayed fragment: status %d, want 400", again.status)
	}
}

func TestResolveTenantFromSealedState(t *testing.T) {
	e := newEnv(t, func(e *env, c *web.Config) {
		c.Providers = nil
		c.Resolve = func(r *http.Request, name string) (oauthkit.Provider, error) {
			if name != "webuntis" {
				return nil, web.ErrUnknownProvider
			}
			cfg := e.wu.Config()
			if tn := web.Tenant(r); tn != "" {
				cfg.Tenant = tn
			}
			return webuntis.New(cfg)
		}
	})
	e.wu.AddTenant(webuntistest.Tenant{ID: "5678", ClientID: "oauthkit-demo", ClientSecret: e.wu.Tenant().ClientSecret, RedirectURLs: []string{e.app.URL + "/auth/webuntis/callback"}})
	b := e.browser()
	// A tenant parameter at the callback never picks the tenant: one other
	// than the login's (here the default, "") is refused as a mix-up.
	cb := b.callbackURL("webuntis", "/whoami")
	if r := b.get(cb + "&tenant=5678"); r.status != http.StatusBadRequest {
		t.Errorf("callback naming another tenant: status %d, want 400", r.status)
	}
	cb = b.callbackURL("webuntis", "/whoami?tenant=1234")
	if r := b.get(cb); r.status != http.StatusOK {
		t.Fatalf("callback: status %d", r.status)
	}
	b2 := e.browser()
	b2.get("/auth/webuntis/login?tenant=5678")
	if s := b2.session(); s == nil || s.Tenant != "5678" {
		t.Errorf("session = %+v, want tenant 5678", s)
	}
}

// TestRequireLoginAnswersArePrivate: the answers RequireLogin gives itself
// — the redirect to sign in, 401 and 503 — carry the headers of the
// handler's own (Cache-Control: no-store, Referrer-Policy: no-referrer).
// Before, they ran outside ServeHTTP and carried neither: a shared cache
// could keep a 401 or 503 page, and its Referer told other sites its URL.
func TestRequireLoginAnswersArePrivate(t *testing.T) {
	store := &countingStore{TokenStore: web.NewMemoryTokenStore()}
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	loggedIn, _ := e.loggedIn(t, "webuntis")
	tests := []struct {
		name       string
		b          *browser
		method     string
		storeDown  bool
		wantStatus int
	}{
		{"GET without a session", e.browser(), http.MethodGet, false, http.StatusFound},
		{"POST without a session", e.browser(), http.MethodPost, false, http.StatusUnauthorized},
		{"the store down", loggedIn, http.MethodGet, true, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.failing.Store(tt.storeDown)
			defer store.failing.Store(false)
			req, _ := http.NewRequest(tt.method, e.app.URL+"/whoami", nil)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			c := *tt.b.c
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := c.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
		})
	}
}
