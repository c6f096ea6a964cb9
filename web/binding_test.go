package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// stateCookies returns b's state cookies of provider.
func (b *browser) stateCookies(provider string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range b.cookies("/auth/" + provider + "/callback") {
		if strings.Contains(c.Name, "oauthkit_state_") {
			out = append(out, c)
		}
	}
	return out
}

// bindingCookie returns b's login binding cookie, or nil.
func (b *browser) bindingCookie() *http.Cookie {
	for _, c := range b.cookies("/") {
		if c.Name == "oauthkit_login" {
			return c
		}
	}
	return nil
}

// fragmentPost posts an implicit grant's fragment to provider's callback
// in b, as the fragment page does.
func (b *browser) fragmentPost(provider, fragment string) response {
	b.t.Helper()
	return b.first(http.MethodPost, "/auth/"+provider+"/callback", url.Values{"fragment": {fragment}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

// finishLogin completes the login whose callback URL is cb in b: visits it
// or, for the implicit grant, posts its fragment as the fragment page does,
// then follows the redirect.
func (b *browser) finishLogin(provider, cb string, implicit bool) response {
	b.t.Helper()
	if !implicit {
		return b.get(cb)
	}
	u, err := url.Parse(cb)
	must(b.t, err)
	r := b.fragmentPost(provider, u.EscapedFragment())
	if r.status != http.StatusSeeOther {
		return r
	}
	return b.get(r.location)
}

// completeLogin runs a whole login at provider in b.
func (b *browser) completeLogin(provider string, implicit bool) response {
	b.t.Helper()
	return b.finishLogin(provider, b.callbackURL(provider, "/whoami"), implicit)
}

// TestPlantedStateCookieRefused: login CSRF by cookie tossing. The attacker
// starts a login in their own browser, signs in at the provider as
// themselves and stops before the callback; a sibling subdomain plants the
// attacker's state cookie in the victim's browser (path-scoped state
// cookies can only be "__Secure-", which a sibling may set for the parent
// domain) and sends the victim to the attacker's callback URL (or, for the
// implicit grant, the fragment page posts the attacker's fragment). The
// login was not started in the victim's browser — the state was sealed
// with the attacker's binding cookie, which a sibling cannot plant — so it
// is refused (400, "no login in flight"), the victim is not logged in as
// the attacker, and nothing else of the victim's ends: a session stays, a
// login of their own in flight still completes.
func TestPlantedStateCookieRefused(t *testing.T) {
	type flow struct {
		name     string
		provider string
		implicit bool
	}
	flows := []flow{{name: "licensespring implicit", provider: "licensespring", implicit: true}}
	for _, n := range names {
		flows = append(flows, flow{name: n, provider: n})
	}
	victims := []string{"no binding cookie", "own login in flight", "signed in"}
	for _, f := range flows {
		for _, victimKind := range victims {
			t.Run(f.name+"/"+victimKind, func(t *testing.T) {
				var e *env
				if f.implicit {
					e = implicitEnv(t, web.NewMemoryTokenStore())
				} else {
					e = newEnv(t, nil)
				}
				attacker, victim := e.browser(), e.browser()
				attacker.t, victim.t = t, t

				var ownCallback string
				var before *web.Session
				e.ls.SetUser(licensespringtest.User{Subject: "victim-sub", Email: "victim@example.com", Name: "Victim"})
				switch victimKind {
				case "own login in flight":
					ownCallback = victim.callbackURL(f.provider, "/whoami?own=1")
				case "signed in":
					if r := victim.completeLogin(f.provider, f.implicit); r.status != http.StatusOK {
						t.Fatalf("the victim's own login: status %d", r.status)
					}
					if before = victim.session(); before == nil {
						t.Fatal("the victim has no session after their own login")
					}
				}
				if victimKind == "no binding cookie" && victim.bindingCookie() != nil {
					t.Fatal("a fresh browser holds a binding cookie")
				}

				e.ls.SetUser(licensespringtest.User{Subject: "attacker-sub", Email: "mallory@example.com", Name: "Mallory"})
				attackerCallback := attacker.callbackURL(f.provider, "/whoami?attacker=1")
				planted := attacker.stateCookies(f.provider)
				if len(planted) != 1 {
					t.Fatalf("the attacker's browser holds %d state cookies, want 1", len(planted))
				}
				// Domain=parent, path-scoped: what the sibling subdomain sets.
				victim.setCookie("/auth/"+f.provider, &http.Cookie{Name: planted[0].Name, Value: planted[0].Value})
				e.ls.SetUser(licensespringtest.User{Subject: "victim-sub", Email: "victim@example.com", Name: "Victim"})

				var got response
				if f.implicit {
					u, err := url.Parse(attackerCallback)
					must(t, err)
					got = victim.fragmentPost(f.provider, u.EscapedFragment())
				} else {
					got = victim.first(http.MethodGet, attackerCallback, nil, nil)
				}
				if got.status != http.StatusBadRequest || !strings.Contains(got.body, "opened in another browser") {
					t.Errorf("the attacker's callback in the victim's browser: status %d, want 400 and the no-login page", got.status)
				}
				s := victim.session()
				switch {
				case before == nil && s != nil:
					t.Errorf("the victim's browser is logged in (subject %q) by the attacker's login", s.Subject)
				case before != nil && (s == nil || s.ID != before.ID):
					t.Error("the refused callback ended the victim's session")
				}

				if ownCallback != "" {
					if r := victim.finishLogin(f.provider, ownCallback, f.implicit); r.status != http.StatusOK {
						t.Errorf("the victim's own login in flight afterwards: status %d", r.status)
					}
					if s := victim.session(); s == nil || (f.provider == "licensespring" && s.Subject != "victim-sub") {
						t.Errorf("after the victim's own login the session is %+v", s)
					}
				}
			})
		}
	}
}

// TestTwoLoginsInFlightOneBrowser: logins started in two tabs of one
// browser share its binding cookie (the second start keeps the value) and
// both complete, in either order, for the code flow and the implicit grant.
func TestTwoLoginsInFlightOneBrowser(t *testing.T) {
	for _, implicit := range []bool{false, true} {
		t.Run(map[bool]string{false: "code", true: "implicit"}[implicit], func(t *testing.T) {
			e := newEnv(t, nil)
			if implicit {
				e = implicitEnv(t, web.NewMemoryTokenStore())
			}
			b := e.browser()
			b.t = t
			finish := func(cb string) {
				t.Helper()
				if r := b.finishLogin("licensespring", cb, implicit); r.status != http.StatusOK {
					t.Fatalf("callback: status %d", r.status)
				}
			}
			first := b.callbackURL("licensespring", "/whoami?tab=1")
			binding := b.bindingCookie()
			if binding == nil {
				t.Fatal("the login start set no binding cookie")
			}
			second := b.callbackURL("licensespring", "/whoami?tab=2")
			if again := b.bindingCookie(); again == nil || again.Value != binding.Value {
				t.Fatal("the second login start replaced the browser's binding value")
			}
			finish(second)
			s2 := b.session()
			if s2 == nil {
				t.Fatal("no session after the second tab's login")
			}
			finish(first)
			if s1 := b.session(); s1 == nil || s1.ID == s2.ID {
				t.Error("the first tab's login did not complete after the second's")
			}
		})
	}
}

// TestBindingCookieSecure: with Secure cookies the binding cookie is
// "__Host-oauthkit_login" (Secure, Path=/, no Domain, HttpOnly,
// SameSite=Lax: no sibling subdomain can set it), and only it binds: the
// attacker's state cookie with the attacker's binding value under the
// unprefixed name — both of which a sibling can plant — is refused as no
// login in flight, while the starting browser's own cookies pass the
// binding check.
func TestBindingCookieSecure(t *testing.T) {
	var kinds []web.Kind
	h, err := web.New(web.Config{
		Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}},
		Keys:      [][]byte{newKey()},
		OnError: func(w http.ResponseWriter, _ *http.Request, e *web.Error) {
			kinds = append(kinds, e.Kind)
			w.WriteHeader(e.Status)
		},
	})
	must(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "https://app.example/auth/a/login", nil))
	loc, err := url.Parse(w.Header().Get("Location"))
	must(t, err)
	var state, binding *http.Cookie
	for _, c := range w.Result().Cookies() {
		switch {
		case strings.HasPrefix(c.Name, "__Secure-oauthkit_state_"):
			state = c
		case c.Name == "__Host-oauthkit_login":
			binding = c
		}
	}
	if state == nil || binding == nil {
		t.Fatalf("login start set state %q and binding %q cookies", cookieName(state), cookieName(binding))
	}
	if !binding.Secure || binding.Path != "/" || binding.Domain != "" || !binding.HttpOnly || binding.SameSite != http.SameSiteLaxMode {
		t.Errorf("binding cookie Secure=%t Path=%q Domain=%q HttpOnly=%t SameSite=%v", binding.Secure, binding.Path, binding.Domain, binding.HttpOnly, binding.SameSite)
	}
	if len(binding.Value) > 32 {
		t.Errorf("binding cookie value is %d bytes, want a small one", len(binding.Value))
	}

	tests := []struct {
		name    string
		cookies []*http.Cookie
		noLogin bool
	}{
		{"the starting browser", []*http.Cookie{state, binding}, false},
		{"no binding cookie", []*http.Cookie{state}, true},
		{"binding under the unprefixed name", []*http.Cookie{state, {Name: "oauthkit_login", Value: binding.Value}}, true},
		{"another browser's binding", []*http.Cookie{state, {Name: binding.Name, Value: "AAAAAAAAAAAAAAAAAAAAAA"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds = nil
			r := httptest.NewRequest("GET", "https://app.example/auth/a/callback?code=c&state="+url.QueryEscape(loc.Query().Get("state")), nil)
			for _, c := range tt.cookies {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if len(kinds) != 1 {
				t.Fatalf("callback errors %v, want one (the stub cannot exchange)", kinds)
			}
			if got := kinds[0] == web.KindNoLogin; got != tt.noLogin {
				t.Errorf("callback error kind %q, no login in flight = %t, want %t", kinds[0], got, tt.noLogin)
			}
		})
	}
}
