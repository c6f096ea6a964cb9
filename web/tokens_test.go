package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// TestTokenSourceRefreshesAndSaysNeedsLogin: once the stored access token
// has expired, Handler.TokenSource renews it with the stored refresh token
// and saves the new tokens; with a refresh token the vendor no longer
// accepts, it fails with an error for which oauthkit.NeedsLogin is true (the
// harness's /api answers 401 then, 502 for any other failure).
func TestTokenSourceRefreshesAndSaysNeedsLogin(t *testing.T) {
	for _, vendor := range []string{"unisignin", "justimmo"} {
		t.Run(vendor, func(t *testing.T) {
			store := web.NewMemoryTokenStore()
			e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
			ctx := context.Background()
			loginWithExpiredToken := func(refresh string) (*browser, string, string) {
				t.Helper()
				return e.loginExpired(t, store, vendor, refresh)
			}

			tokenRequests := func() int {
				if vendor == "unisignin" {
					return e.usi.Requests(unisignintest.EndpointToken)
				}
				return e.ji.Requests(justimmotest.EndpointToken)
			}
			b, id, old := loginWithExpiredToken("")
			if got := b.get("/api"); got.status != http.StatusOK {
				t.Fatalf("/api with an expired access token and a live refresh token: status %d, want 200", got.status)
			}
			st, err := store.Load(ctx, id)
			must(t, err)
			if st.Token.AccessToken == old || !st.Token.Expiry.After(time.Now()) {
				t.Error("the refreshed token was not saved to the store")
			}
			e.mu.Lock()
			e.tokens = append(e.tokens, st.Token.AccessToken, st.Token.RefreshToken)
			e.mu.Unlock()

			b, _, _ = loginWithExpiredToken("rt-the-vendor-never-issued")
			sent := tokenRequests()
			if got := b.get("/api"); got.status != http.StatusUnauthorized {
				t.Errorf("/api with a dead refresh token: status %d, want 401 (NeedsLogin)", got.status)
			}
			if got := b.get("/api"); got.status != http.StatusUnauthorized {
				t.Errorf("/api again: status %d, want 401 (NeedsLogin)", got.status)
			}
			if n := tokenRequests() - sent; n != 1 {
				t.Errorf("the refused refresh token was sent %d times, want once", n)
			}
		})
	}
}

// TestRefreshForAnotherUserEndsTheSession: a refresh whose ID token names
// another user than the session's (OpenID Connect Core §12.2 has it name the
// login's) is not served or saved: the session ends, its /api answers 401
// (NeedsLogin, oauthkit.ErrSubjectChanged), and the answer's refresh token
// is revoked. The same refresh
// naming the session's user is saved, its ID token with it.
func TestRefreshForAnotherUserEndsTheSession(t *testing.T) {
	store := web.NewMemoryTokenStore()
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	ctx := context.Background()
	login := func() (*browser, string) {
		t.Helper()
		b, id, _ := e.loginExpired(t, store, "licensespring", "")
		return b, id
	}

	b, id := login()
	before, err := store.Load(ctx, id)
	must(t, err)
	if got := b.get("/api"); got.status != http.StatusOK {
		t.Fatalf("/api, refreshed for the session's user: status %d, want 200", got.status)
	}
	after, err := store.Load(ctx, id)
	must(t, err)
	if after.IDToken == "" || after.IDToken == before.IDToken {
		t.Error("the refreshed ID token was not saved")
	}

	b, id = login()
	revoked := len(e.ls.Revocations())
	e.ls.MutateIDTokens(func(c map[string]any) { c["sub"] = "someone-else" })
	if got := b.get("/api"); got.status != http.StatusUnauthorized {
		t.Errorf("/api, refreshed for another user: status %d, want 401 (NeedsLogin)", got.status)
	}
	if _, err := store.Load(ctx, id); !errors.Is(err, web.ErrNoTokens) {
		t.Errorf("the session's tokens after a refresh for another user: %v, want ErrNoTokens", err)
	}
	rs := e.ls.Revocations()[revoked:]
	if len(rs) != 1 || rs[0].Revoked != "refresh_token" {
		t.Errorf("revocations after a refresh for another user: %+v, want the answer's refresh token", rs)
	}
}

// replaceFailsOnce is a token store whose next Replace fails once armed,
// and which calls onHeld when a Lease is refused because another caller
// holds it.
type replaceFailsOnce struct {
	web.TokenStore
	fail   atomic.Bool
	onHeld atomic.Pointer[func()]
}

func (s *replaceFailsOnce) Replace(ctx context.Context, id string, st *web.StoredTokens) error {
	if s.fail.CompareAndSwap(true, false) {
		return errDown
	}
	return s.TokenStore.Replace(ctx, id, st)
}

func (s *replaceFailsOnce) Lease(ctx context.Context, id string, ttl time.Duration) (func(context.Context) error, error) {
	release, err := s.TokenStore.Lease(ctx, id, ttl)
	if f := s.onHeld.Load(); f != nil && errors.Is(err, web.ErrLeaseHeld) {
		(*f)()
	}
	return release, err
}

// TestFailedWriteBackKeepsTheLease: when the tokens a refresh returned
// cannot be written back, the store still holds the refresh token the
// provider has just spent (UniSignIn rotates it, and revokes the family
// when a spent one comes back). The session's refresh lease is then kept
// until it runs out, not released: the next request within its TTL finds
// it held and does not send the spent refresh token again.
func TestFailedWriteBackKeepsTheLease(t *testing.T) {
	store := &replaceFailsOnce{TokenStore: web.NewMemoryTokenStore()}
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	b, _, _ := e.loginExpired(t, store, "unisignin", "")

	sent := e.usi.Requests(unisignintest.EndpointToken)
	store.fail.Store(true)
	if got := b.get("/api"); got.status != http.StatusOK {
		t.Fatalf("/api, refreshed but not saved: status %d, want 200 (the new token)", got.status)
	}
	if store.fail.Load() {
		t.Fatal("the refresh wrote nothing back")
	}

	// The next request of the session, within the lease's TTL: it finds the
	// lease held (and is cancelled then, rather than wait the TTL out).
	rctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := func() { cancel() }
	store.onHeld.Store(&held)
	r := httptest.NewRequestWithContext(rctx, http.MethodGet, e.app.URL+"/api", nil)
	r.AddCookie(b.sessionCookie())
	if _, err := e.h.TokenSource(r).Token(); err == nil {
		t.Error("the second request got a token, from a store holding only the expired one")
	}
	if n := e.usi.Requests(unisignintest.EndpointToken) - sent; n != 1 {
		t.Errorf("%d refresh requests, want 1: the spent refresh token was sent again", n)
	}
}
