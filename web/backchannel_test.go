package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

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
// no or another event, neither sub nor sid, no jti, typ JWT, a foreign key)
// is answered 400 and the session lives; the valid one ends it, by sid and
// by sub; the same token again is refused.
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
