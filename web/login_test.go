package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// sessionCookie returns b's session cookie, or nil.
func (b *browser) sessionCookie() *http.Cookie {
	for _, c := range b.cookies("/") {
		if c.Name == b.e.h.SessionCookieName() {
			return c
		}
	}
	return nil
}

// TestReplacedSessionEnds: two logins finished in one browser (started
// side by side, so that no login start ended anything): the second ends the
// first session everywhere — its cookie no longer works, its tokens and
// index entries are gone from the store, OnLogout is told — for every
// vendor.
func TestReplacedSessionEnds(t *testing.T) {
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			store := web.NewMemoryTokenStore()
			var mu sync.Mutex
			var ended []string
			e := newEnv(t, func(_ *env, c *web.Config) {
				c.Tokens = store
				c.OnLogout = func(_ *http.Request, s *web.Session) {
					mu.Lock()
					ended = append(ended, s.ID)
					mu.Unlock()
				}
			})
			b := e.browser()
			first, second := b.callbackURL(name, "/whoami?n=1"), b.callbackURL(name, "/whoami?n=2")
			if r := b.get(first); r.status != http.StatusOK {
				t.Fatalf("first login: status %d", r.status)
			}
			s1, c1 := b.session(), b.sessionCookie()
			if s1 == nil || c1 == nil {
				t.Fatal("no session after the first login")
			}
			if r := b.get(second); r.status != http.StatusOK {
				t.Fatalf("second login: status %d", r.status)
			}
			s2 := b.session()
			if s2 == nil || s2.ID == s1.ID {
				t.Fatal("the second login did not start a new session")
			}
			old := e.browser()
			old.setCookie("/", &http.Cookie{Name: c1.Name, Value: c1.Value})
			if old.session() != nil {
				t.Error("the replaced session's cookie still works")
			}
			if n := store.Len(); n != 1 {
				t.Errorf("the store holds %d sessions, want 1 (the new one)", n)
			}
			if n, err := e.h.EndSessions(context.Background(), name, "", s1.Subject); err != nil || n != 1 {
				t.Errorf("the user's index holds %d sessions (%v), want 1 (the new one)", n, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(ended) != 1 || ended[0] != s1.ID {
				t.Errorf("OnLogout told of %d sessions, want the replaced one", len(ended))
			}
		})
	}
}

// TestReplacingLoginWithTheStoreDown: when the store cannot end the
// browser's current session, the new login is refused with 503 rather than
// leave the old session working behind the new one; once the store is
// back, the old cookie works as before (nothing was ended).
func TestReplacingLoginWithTheStoreDown(t *testing.T) {
	store := &countingStore{TokenStore: web.NewMemoryTokenStore()}
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	b := e.browser()
	first, second := b.callbackURL("unisignin", ""), b.callbackURL("unisignin", "")
	b.get(first)
	s1 := b.session()
	if s1 == nil {
		t.Fatal("no session after the first login")
	}
	store.failing.Store(true)
	if r := b.first(http.MethodGet, second, nil, nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("the second login with the store down: status %d, want 503", r.status)
	}
	store.failing.Store(false)
	if s := b.session(); s == nil || s.ID != s1.ID {
		t.Error("the first session did not survive a refused replacement")
	}
}

// WebUntis' Login URL rule is the one LaunchRule among the vendors.
var _ web.LaunchRule = (*webuntis.Provider)(nil)

// TestLoginStartPerProvider: a cross-site GET of a login (a link on another
// site, or the provider's launcher) ends the current session at once only
// for a provider whose launch rule demands it — WebUntis — and for the
// others leaves it until the new login completes, when it ends.
func TestLoginStartPerProvider(t *testing.T) {
	endsAtStart := map[string]bool{"webuntis": true, "unisignin": false, "justimmo": false, "licensespring": false}
	e := newEnv(t, nil)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			b.t = t
			if r := b.login(name, ""); r.status != http.StatusOK {
				t.Fatalf("first login: status %d", r.status)
			}
			s1, c1 := b.session(), b.sessionCookie()
			if s1 == nil || c1 == nil {
				t.Fatal("no session after the first login")
			}
			start := b.first(http.MethodGet, "/auth/"+name+"/login", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
			if start.status != http.StatusFound {
				t.Fatalf("cross-site login start: status %d", start.status)
			}
			if alive := b.session() != nil; alive == endsAtStart[name] {
				t.Errorf("after a cross-site login start the session is alive: %t, want %t", alive, !endsAtStart[name])
			}
			if r := b.get(start.location); r.status != http.StatusOK {
				t.Fatalf("finishing the new login: status %d", r.status)
			}
			if s2 := b.session(); s2 == nil || s2.ID == s1.ID {
				t.Fatal("the new login did not start a new session")
			}
			old := e.browser()
			old.setCookie("/", &http.Cookie{Name: c1.Name, Value: c1.Value})
			if old.session() != nil {
				t.Error("the first session still works after the new login completed")
			}
		})
	}
}

// resolveEnv is an env whose providers come from Config.Resolve, so that
// its cookies are Secure and carry the __Host-/__Secure- prefixes (the
// longest names); Go's cookie jar, like browsers, sends Secure cookies to
// loopback over plain http.
func resolveEnv(t *testing.T) *env {
	return newEnv(t, func(_ *env, c *web.Config) {
		byName := map[string]oauthkit.Provider{}
		for _, p := range c.Providers {
			byName[p.Name()] = p
		}
		c.Providers = nil
		c.Resolve = func(_ *http.Request, name string) (oauthkit.Provider, error) {
			if p, ok := byName[name]; ok {
				return p, nil
			}
			return nil, web.ErrUnknownProvider
		}
	})
}

// TestStateCookiesCannotPileUp: ten login starts that are never finished
// (cross-site, with a short or a long return_to), in a browser that has a
// session: the Cookie header the callback gets stays under 4 KB, at most
// three logins stay in flight, and the newest login completes.
func TestStateCookiesCannotPileUp(t *testing.T) {
	e := resolveEnv(t)
	for _, rt := range []string{"/whoami", "/whoami?q=" + strings.Repeat("a", 990), "/whoami?q=" + strings.Repeat("a", 5000)} {
		t.Run(fmt.Sprintf("return_to of %d bytes", len(rt)), func(t *testing.T) {
			b := e.browser()
			b.t = t
			if r := b.login("justimmo", ""); r.status != http.StatusOK || b.session() == nil {
				t.Fatalf("login at justimmo: status %d", r.status)
			}
			var last string
			for range 10 {
				r := b.first(http.MethodGet, "/auth/unisignin/login?return_to="+url.QueryEscape(rt), nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
				if r.status != http.StatusFound {
					t.Fatalf("login start: status %d", r.status)
				}
				last = r.location
			}
			n := 0
			for _, c := range b.cookies("/auth/unisignin/callback") {
				if strings.Contains(c.Name, "oauthkit_state_") {
					n++
				}
			}
			if n > 3 {
				t.Errorf("%d logins in flight, want at most 3", n)
			}
			var header int
			e.mu.Lock()
			e.seen = func(r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/callback") {
					header = len(r.Header.Get("Cookie"))
				}
			}
			e.mu.Unlock()
			defer func() { e.mu.Lock(); e.seen = nil; e.mu.Unlock() }()
			if r := b.get(last); r.status != http.StatusOK {
				t.Fatalf("the newest login: status %d", r.status)
			}
			if s := b.session(); s == nil || s.Provider != "unisignin" {
				t.Errorf("after the newest login the session is %+v, want unisignin's", s)
			}
			t.Logf("the callback got a Cookie header of %d bytes, %d logins in flight", header, n)
			if header == 0 || header >= 4096 {
				t.Errorf("the callback got a Cookie header of %d bytes, want under 4096", header)
			}
		})
	}
}
