package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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

// flakyStore is a token store whose Replace fails while fails is above
// zero (counting down; below zero: always), which records when the last
// lease it gave runs out and the deadline of every Replace, reports a
// Replace that went through on written and a lease given back on released,
// and calls onHeld when a Lease is refused because another caller holds it.
type flakyStore struct {
	web.TokenStore
	fails    atomic.Int32
	attempts atomic.Int32
	leaseEnd atomic.Int64 // UnixNano: when the last lease given runs out
	late     atomic.Int32 // Replaces whose deadline was not a second before leaseEnd
	written  chan struct{}
	released chan struct{}
	onHeld   atomic.Pointer[func()]
}

func newFlakyStore() *flakyStore {
	return &flakyStore{TokenStore: web.NewMemoryTokenStore(), written: make(chan struct{}, 8), released: make(chan struct{}, 8)}
}

func (s *flakyStore) Replace(ctx context.Context, id string, st *web.StoredTokens) error {
	s.attempts.Add(1)
	if d, ok := ctx.Deadline(); !ok || d.After(time.Unix(0, s.leaseEnd.Load()).Add(-time.Second)) {
		s.late.Add(1)
	}
	if n := s.fails.Load(); n != 0 {
		if n > 0 {
			s.fails.Add(-1)
		}
		return errDown
	}
	if err := s.TokenStore.Replace(ctx, id, st); err != nil {
		return err
	}
	s.written <- struct{}{}
	return nil
}

func (s *flakyStore) Lease(ctx context.Context, id string, ttl time.Duration) (func(context.Context) error, error) {
	end := time.Now().Add(ttl)
	release, err := s.TokenStore.Lease(ctx, id, ttl)
	if err != nil {
		if f := s.onHeld.Load(); f != nil && errors.Is(err, web.ErrLeaseHeld) {
			(*f)()
		}
		return nil, err
	}
	s.leaseEnd.Store(end.UnixNano())
	return func(ctx context.Context) error {
		err := release(ctx)
		s.released <- struct{}{}
		return err
	}, nil
}

// TestFailedWriteBackIsRetriedUnderTheLease: when the tokens a refresh
// returned cannot be written back, the store still holds the refresh token
// the provider has just spent (UniSignIn rotates it, and revokes the family
// when a spent one comes back). The refresh lease is kept meanwhile, and
// the write tried again: once the store takes it, the lease is given back
// and the session goes on with the new tokens, the spent refresh token
// never sent again. The write used to be given up at once, leaving the
// spent token in the store for the next caller once the lease ran out.
func TestFailedWriteBackIsRetriedUnderTheLease(t *testing.T) {
	store := newFlakyStore()
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	b, id, _ := e.loginExpired(t, store, "unisignin", "")

	sent := e.usi.Requests(unisignintest.EndpointToken)
	store.fails.Store(2)
	got := b.get("/api")
	if got.status != http.StatusOK {
		t.Fatalf("/api, refreshed but not saved: status %d, want 200 (the new token)", got.status)
	}
	await(t, store.written, 1, 10*time.Second, "the refreshed tokens written")
	await(t, store.released, 1, 10*time.Second, "the lease given back")
	if n := store.attempts.Load(); n != 3 {
		t.Errorf("%d writes of the refreshed tokens, want 3 (two failed, then the retry that landed)", n)
	}
	if n := store.late.Load(); n != 0 {
		t.Errorf("%d writes could still land in the last second of the lease or after it", n)
	}
	st, err := store.Load(context.Background(), id)
	must(t, err)
	if !st.Token.Valid() {
		t.Fatal("the store does not hold the refreshed tokens")
	}
	// The lease was given back: the next caller takes it at once.
	release, err := store.TokenStore.Lease(context.Background(), id, time.Minute)
	if err != nil {
		t.Fatalf("the lease after the write landed: %v, want it given back", err)
	}
	must(t, release(context.Background()))

	r := httptest.NewRequest(http.MethodGet, e.app.URL+"/api", nil)
	r.AddCookie(b.sessionCookie())
	tok, err := e.h.TokenSource(r).Token()
	must(t, err)
	if tok.AccessToken != st.Token.AccessToken {
		t.Error("the next request did not get the refreshed access token")
	}
	if n := e.usi.Requests(unisignintest.EndpointToken) - sent; n != 1 {
		t.Errorf("%d refresh requests, want 1: the spent refresh token was sent again", n)
	}
}

// TestWriteBackThatNeverLandsKeepsTheLease: a store that takes no write
// while the lease lasts gets none after it (the lease runs out, and with it
// the guarantee that no other caller has read the spent refresh token);
// meanwhile the next request of the session finds the lease held and does
// not send the spent refresh token again.
func TestWriteBackThatNeverLandsKeepsTheLease(t *testing.T) {
	store := newFlakyStore()
	gaveUp := make(chan struct{}, 1)
	e := newEnv(t, func(_ *env, c *web.Config) {
		c.Tokens = store
		c.Logger = slog.New(&signalHandler{Handler: c.Logger.Handler(), msg: "before the refresh lease ran out", seen: gaveUp})
	})
	// A lease of 3 s: the next request finds it held, the retries have 2 s
	// before the last second.
	web.SetRefreshTimeout(e.h, time.Second, 2*time.Second)
	b, _, _ := e.loginExpired(t, store, "unisignin", "")

	sent := e.usi.Requests(unisignintest.EndpointToken)
	store.fails.Store(-1)
	if got := b.get("/api"); got.status != http.StatusOK {
		t.Fatalf("/api, refreshed but not saved: status %d, want 200 (the new token)", got.status)
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

	await(t, gaveUp, 1, 10*time.Second, "the retries given up")
	if n := store.attempts.Load(); n < 2 {
		t.Errorf("%d writes of the refreshed tokens, want the first and at least one retry", n)
	}
	if n := store.late.Load(); n != 0 {
		t.Errorf("%d writes could still land in the last second of the lease or after it", n)
	}
	select {
	case <-store.released:
		t.Error("the lease was given back, with the spent refresh token still in the store")
	default:
	}
}

// signalHandler passes records on to Handler and signals seen when one's
// message contains msg.
type signalHandler struct {
	slog.Handler
	msg  string
	seen chan struct{}
}

func (h *signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.msg) {
		select {
		case h.seen <- struct{}{}:
		default:
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithAttrs(as), msg: h.msg, seen: h.seen}
}

func (h *signalHandler) WithGroup(name string) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithGroup(name), msg: h.msg, seen: h.seen}
}
