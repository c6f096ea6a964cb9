package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// idTokenSID reads the sid claim of a raw ID token the login already
// verified.
func idTokenSID(t *testing.T, raw string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatal("the ID token is not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, err)
	var c struct {
		SID string `json:"sid"`
	}
	must(t, json.Unmarshal(payload, &c))
	return c.SID
}

// TestBackchannelLogoutFromLicenseSpring: LicenseSpring's Keycloak posts a
// logout token to the app's back-channel endpoint; a token with any flaw
// (wrong audience, other issuer, expired, too old, too far ahead, a nonce,
// no or another event, neither sub nor sid, no jti, typ at+jwt, a foreign
// key) is answered 400 and the session lives; the valid one ends it, by sid
// and by sub; the same token again is refused.
func TestBackchannelLogoutFromLicenseSpring(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	endpoint := e.app.URL + "/auth/licensespring/backchannel-logout"
	b, s := e.loggedIn(t, "licensespring")
	e.mu.Lock()
	sid := idTokenSID(t, e.idToken)
	e.mu.Unlock()
	if sid == "" {
		t.Fatal("the fake's ID token has no sid")
	}
	post := func(token string) error {
		e.mu.Lock()
		e.tokens = append(e.tokens, token)
		e.mu.Unlock()
		return e.ls.BackchannelLogout(ctx, endpoint, token)
	}
	for f := licensespringtest.FlawWrongAudience; f <= licensespringtest.FlawForeignKey; f++ {
		if err := post(e.ls.BrokenLogoutToken(s.Subject, sid, f)); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("flaw %d: %v, want HTTP 400", f, err)
		}
		if b.session() == nil {
			t.Fatalf("flaw %d: a refused logout token ended the session", f)
		}
	}
	bySID := e.ls.LogoutToken("", sid)
	if err := post(bySID); err != nil {
		t.Fatalf("a valid logout token by sid: %v", err)
	}
	if b.session() != nil {
		t.Fatal("the session lives on after a valid logout token")
	}
	if err := post(bySID); err == nil {
		t.Error("the same logout token again was accepted")
	}

	b = e.browser()
	if got := b.login("licensespring", "/"); got.status != http.StatusOK {
		t.Fatalf("second login: status %d", got.status)
	}
	if err := post(e.ls.LogoutToken(s.Subject, "")); err != nil {
		t.Fatalf("a valid logout token by sub: %v", err)
	}
	if b.session() != nil {
		t.Error("the session lives on after a logout token for its subject")
	}
}

// TestLogoutRevokesAtLicenseSpring: logging out of a LicenseSpring session
// revokes its refresh token at the realm's revocation endpoint (RFC 7009),
// so the tokens end with the session.
func TestLogoutRevokesAtLicenseSpring(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	if got := b.login("licensespring", "/"); got.status != http.StatusOK {
		t.Fatalf("login: status %d", got.status)
	}
	r := b.first(http.MethodPost, "/auth/logout", url.Values{}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("logout: status %d", r.status)
	}
	revs := e.ls.Revocations()
	if len(revs) != 1 || revs[0].Revoked != "refresh_token" {
		t.Errorf("revocations at logout: %+v, want the session's refresh token", revs)
	}
}

// deleteRefFailsOnce is a MemoryTokenStore whose DeleteRef fails once
// while fail is set (Redis timing out), then works.
type deleteRefFailsOnce struct {
	*web.MemoryTokenStore
	fail atomic.Bool
}

func (s *deleteRefFailsOnce) DeleteRef(ctx context.Context, ref string) (int, error) {
	if s.fail.CompareAndSwap(true, false) {
		return 0, errors.New("store timed out")
	}
	return s.MemoryTokenStore.DeleteRef(ctx, ref)
}

// TestBackchannelLogoutRetriedAfterStoreFailure: when the sessions a logout
// token names cannot be ended (the store fails), the endpoint answers 503
// and takes the token's jti back, so that the provider's retry (OpenID
// Connect Back-Channel Logout 1.0 §2.8) ends them; before, the retry was
// refused as a replay and the session lived on. A replay after that is
// refused as before.
func TestBackchannelLogoutRetriedAfterStoreFailure(t *testing.T) {
	store := &deleteRefFailsOnce{MemoryTokenStore: web.NewMemoryTokenStore()}
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	ctx := context.Background()
	endpoint := e.app.URL + "/auth/licensespring/backchannel-logout"
	b, s := e.loggedIn(t, "licensespring")
	token := e.ls.LogoutToken(s.Subject, "")
	e.mu.Lock()
	e.tokens = append(e.tokens, token)
	e.mu.Unlock()

	store.fail.Store(true)
	if err := e.ls.BackchannelLogout(ctx, endpoint, token); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("with the store failing: %v, want HTTP 503", err)
	}
	if b.session() == nil {
		t.Fatal("the session ended although the store failed")
	}
	if err := e.ls.BackchannelLogout(ctx, endpoint, token); err != nil {
		t.Fatalf("the provider's retry: %v, want 200", err)
	}
	if b.session() != nil {
		t.Error("the retry did not end the session")
	}
	if err := e.ls.BackchannelLogout(ctx, endpoint, token); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("a replay after the retry: %v, want HTTP 400", err)
	}
}

// TestBackchannelLogoutBySIDEndsThatSessionOnly: a logout token with a sid
// ends the session filed under that sid and no other session of its
// subject (OpenID Connect Back-Channel Logout 1.0 §2.7). Before, a sid no
// session was filed under — most often because the app's own logout had
// ended that session before the provider's back-channel call came — ended
// every session of the subject, the user's other devices among them. Only
// the subject's sessions whose ID token named no sid are still ended then:
// nothing tells them from the one the provider ended.
func TestBackchannelLogoutBySIDEndsThatSessionOnly(t *testing.T) {
	tests := []struct {
		name string
		// run logs in what it needs, posts a logout token, and returns the
		// sessions that must have ended and those that must live on.
		run func(t *testing.T, e *env, post func(string)) (ended, live []*browser)
	}{
		{"the sid of a session the app's logout ended first", func(t *testing.T, e *env, post func(string)) ([]*browser, []*browser) {
			a, s, sidA := loginWithSID(t, e)
			b, _, _ := loginWithSID(t, e)
			r := a.first(http.MethodPost, "/auth/logout", url.Values{}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("the app's logout: status %d", r.status)
			}
			post(e.ls.LogoutToken(s.Subject, sidA))
			return []*browser{a}, []*browser{b}
		}},
		{"the sid of a live session, with sub", func(t *testing.T, e *env, post func(string)) ([]*browser, []*browser) {
			a, s, sidA := loginWithSID(t, e)
			b, _, _ := loginWithSID(t, e)
			post(e.ls.LogoutToken(s.Subject, sidA))
			return []*browser{a}, []*browser{b}
		}},
		{"an unknown sid, with sub: the sessions without sid end", func(t *testing.T, e *env, post func(string)) ([]*browser, []*browser) {
			b, s, _ := loginWithSID(t, e)
			a := loginWithoutSID(t, e, s.Subject)
			post(e.ls.LogoutToken(s.Subject, "another-session"))
			return []*browser{a}, []*browser{b}
		}},
		{"an unknown sid without sub", func(t *testing.T, e *env, post func(string)) ([]*browser, []*browser) {
			b, s, _ := loginWithSID(t, e)
			a := loginWithoutSID(t, e, s.Subject)
			post(e.ls.LogoutToken("", "another-session"))
			return nil, []*browser{a, b}
		}},
		{"no sid: every session of the subject ends", func(t *testing.T, e *env, post func(string)) ([]*browser, []*browser) {
			a, s, _ := loginWithSID(t, e)
			b, _, _ := loginWithSID(t, e)
			c := loginWithoutSID(t, e, s.Subject)
			post(e.ls.LogoutToken(s.Subject, ""))
			return []*browser{a, b, c}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			endpoint := e.app.URL + "/auth/licensespring/backchannel-logout"
			post := func(token string) {
				t.Helper()
				e.mu.Lock()
				e.tokens = append(e.tokens, token)
				e.mu.Unlock()
				if err := e.ls.BackchannelLogout(context.Background(), endpoint, token); err != nil {
					t.Fatalf("the logout token: %v, want 200", err)
				}
			}
			ended, live := tt.run(t, e, post)
			for i, b := range ended {
				if b.session() != nil {
					t.Errorf("session %d lives on, want it ended", i)
				}
			}
			for i, b := range live {
				if b.session() == nil {
					t.Errorf("session %d ended, want it alive", i)
				}
			}
		})
	}
}

// loginWithSID logs a new browser in at LicenseSpring and returns it, its
// session and the sid of its ID token.
func loginWithSID(t *testing.T, e *env) (*browser, *web.Session, string) {
	t.Helper()
	b, s := e.loggedIn(t, "licensespring")
	e.mu.Lock()
	sid := idTokenSID(t, e.idToken)
	e.mu.Unlock()
	if sid == "" {
		t.Fatal("the fake's ID token has no sid")
	}
	return b, s, sid
}

// loginWithoutSID starts a LicenseSpring session for subject whose login
// had no ID token, so no sid, in a new browser.
func loginWithoutSID(t *testing.T, e *env, subject string) *browser {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, e.app.URL+"/auth/licensespring/callback", nil)
	_, c, err := web.StartSession(e.h, r, "", &oauthkit.Login{Provider: "licensespring", Token: &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, UserInfo: oauthkit.UserInfo{Subject: subject}})
	must(t, err)
	b := e.browser()
	b.setCookie("/", c)
	if b.session() == nil {
		t.Fatal("the session without sid does not work")
	}
	return b
}

// onceTTLs is a MemoryTokenStore that records the TTL of each Once.
type onceTTLs struct {
	*web.MemoryTokenStore
	mu   sync.Mutex
	ttls []time.Duration
}

func (s *onceTTLs) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	s.ttls = append(s.ttls, ttl)
	s.mu.Unlock()
	return s.MemoryTokenStore.Once(ctx, key, ttl)
}

// TestBackchannelLogoutJTIOutlivesTheToken: a logout token's jti is
// remembered for longer than the verifier goes on taking the token — iat up
// to MaxClockSkew ahead of its clock, and MaxLogoutTokenAge after that iat
// — with a margin, as the record's TTL runs on the store's clock and starts
// after the verification. Before, it was remembered exactly that long (15
// minutes), and a replay at the window's last moment could find its record
// gone.
func TestBackchannelLogoutJTIOutlivesTheToken(t *testing.T) {
	store := &onceTTLs{MemoryTokenStore: web.NewMemoryTokenStore()}
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	_, s := e.loggedIn(t, "licensespring")
	token := e.ls.LogoutToken(s.Subject, "")
	e.mu.Lock()
	e.tokens = append(e.tokens, token)
	e.mu.Unlock()
	store.mu.Lock()
	store.ttls = nil
	store.mu.Unlock()
	must(t, e.ls.BackchannelLogout(context.Background(), e.app.URL+"/auth/licensespring/backchannel-logout", token))

	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.ttls) != 1 {
		t.Fatalf("the logout made %d Once calls, want 1", len(store.ttls))
	}
	window := discovery.MaxClockSkew + discovery.MaxLogoutTokenAge
	if got := store.ttls[0]; got < window+time.Minute {
		t.Errorf("the jti is remembered for %s, want at least %s: the verifier takes the token for up to %s", got, window+time.Minute, window)
	}
}
