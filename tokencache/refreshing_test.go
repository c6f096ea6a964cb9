package tokencache_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// rotator is a token endpoint that rotates refresh tokens: each refresh
// token works once, and the answer carries the next one.
type rotator struct {
	h     *harness
	mu    sync.Mutex
	valid map[string]bool
	sent  []string // refresh tokens received, in order
	n     int
	gate  chan struct{}
}

func newRotator(h *harness, first string) *rotator {
	return &rotator{h: h, valid: map[string]bool{first: true}}
}

func (r *rotator) renew(_ context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
	r.mu.Lock()
	gate := r.gate
	r.mu.Unlock()
	if gate != nil {
		<-gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, prev.RefreshToken)
	if !r.valid[prev.RefreshToken] {
		return nil, errors.New("invalid_grant: refresh token revoked")
	}
	delete(r.valid, prev.RefreshToken)
	r.n++
	next := fmt.Sprintf("rt-%d", r.n)
	r.valid[next] = true
	return &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", r.n), RefreshToken: next, Expiry: r.h.clock.Now().Add(life)}, nil
}

func (r *rotator) sentTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

func seedToken(h *harness) *oauth2.Token {
	return &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: h.clock.Now().Add(life)}
}

func TestRefreshingSourceRotates(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	r := newRotator(h, "rt-0")
	src := h.cache.RefreshingSource(testingKey, seedToken(h), r.renew)

	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-0", tok.AccessToken, "a fresh seed is served without a request")
	h.waitEvent(t)
	assert.Empty(t, r.sentTokens())

	for i := 1; i <= 3; i++ {
		h.clock.Advance(toStale)
		tok, err = src.Token()
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("at-%d", i-1), tok.AccessToken, "the stale token is served while one refresh runs")
		h.waitEvent(t)
		tok, err = src.Token()
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("at-%d", i), tok.AccessToken)
	}
	assert.Equal(t, []string{"rt-0", "rt-1", "rt-2"}, r.sentTokens(), "each refresh sends the newest refresh token")

	changes := h.tokenChanges()
	require.NotEmpty(t, changes)
	last := changes[len(changes)-1]
	assert.Equal(t, "rt-3", last[1].RefreshToken, "OnTokenChange reports the rotated refresh token to persist")
}

func TestRefreshingSourcesOfOneUserNeverResendARefreshToken(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	r := newRotator(h, "rt-0")
	seed := seedToken(h)
	// Two request handlers each build a source from the same stored token.
	a := h.cache.RefreshingSource(testingKey, seed, r.renew)
	b := h.cache.RefreshingSource(testingKey, seed, r.renew)
	_, err := a.Token()
	require.NoError(t, err)
	h.waitEvent(t)

	for round := 1; round <= 3; round++ {
		h.clock.Advance(toStale)
		release := make(chan struct{})
		r.mu.Lock()
		r.gate = release
		r.mu.Unlock()
		var wg sync.WaitGroup
		var served atomic.Int32
		for i := range 1000 {
			src := a
			if i%2 == 1 {
				src = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if tok, err := src.Token(); err == nil && tok.AccessToken != "" {
					served.Add(1)
				}
			}()
		}
		wg.Wait() // every caller got the stale token while the refresh is blocked
		assert.EqualValues(t, 1000, served.Load())
		close(release)
		r.mu.Lock()
		r.gate = nil
		r.mu.Unlock()
		h.waitEvent(t)
	}
	sent := r.sentTokens()
	assert.Equal(t, []string{"rt-0", "rt-1", "rt-2"}, sent, "one refresh per round, never a revoked token")
}

func TestRefreshingSourceDeadRefreshToken(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	r := newRotator(h, "some-other-token") // the seed's rt-0 is already revoked
	src := h.cache.RefreshingSource(testingKey, seedToken(h), r.renew)
	_, err := src.Token()
	require.NoError(t, err)
	h.waitEvent(t)

	h.clock.Advance(toStale)
	tok, err := src.Token()
	require.NoError(t, err, "while the access token is valid it is served")
	assert.Equal(t, "at-0", tok.AccessToken)
	ev := h.waitEvent(t)
	require.Error(t, ev.Err)

	h.clock.Advance(toExpired - toStale)
	_, err = src.Token()
	require.Error(t, err)
	assert.ErrorContains(t, err, "invalid_grant", "the cause reaches the caller once nothing valid is left")
}

func TestRefreshingSourceInvalidateRenews(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	r := newRotator(h, "rt-0")
	src := h.cache.RefreshingSource(testingKey, seedToken(h), r.renew)
	_, err := src.Token()
	require.NoError(t, err)
	h.waitEvent(t)

	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey)) // the API answered 401
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken, "an invalidated seed is not served again")
	assert.Equal(t, []string{"rt-0"}, r.sentTokens())
}

func TestRefreshingSourceKeepsARefreshTokenTheAnswerOmits(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	var sent []string
	renew := func(_ context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		sent = append(sent, prev.RefreshToken)
		return &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", len(sent)), Expiry: h.clock.Now().Add(life)}, nil
	}
	expired := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: h.clock.Now().Add(-time.Minute)}
	src := h.cache.RefreshingSource(testingKey, expired, renew)
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken, "an expired seed is renewed at once")
	assert.Equal(t, "rt-0", tok.RefreshToken)
	h.waitEvent(t)

	h.clock.Advance(toStale)
	_, err = src.Token()
	require.NoError(t, err)
	h.waitEvent(t)
	assert.Equal(t, []string{"rt-0", "rt-0"}, sent)

	noRefresh := h.cache.RefreshingSource("v1|other", &oauth2.Token{AccessToken: "x", Expiry: h.clock.Now().Add(-time.Second)}, renew)
	_, err = noRefresh.Token()
	assert.ErrorContains(t, err, "no refresh token")
}

// TestRefreshingSourceWithoutRefreshTokenNeedsLogin: a login whose token
// expired and that has no refresh token can only be cured by a new login,
// and the source's error says so to oauthkit.NeedsLogin — with and without
// a seed.
func TestRefreshingSourceWithoutRefreshTokenNeedsLogin(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	renew := func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
		t.Error("renew called without a refresh token")
		return nil, errUpstream
	}
	seeds := map[string]*oauth2.Token{
		"expired, no refresh token": {AccessToken: "at-0", Expiry: h.clock.Now().Add(-time.Second)},
		"no seed":                   nil,
	}
	for name, seed := range seeds {
		t.Run(name, func(t *testing.T) {
			src := h.cache.RefreshingSource("v1|"+name, seed, renew)
			_, err := src.Token()
			require.Error(t, err)
			assert.ErrorIs(t, err, oauthkit.ErrNoRefreshToken)
			assert.True(t, oauthkit.NeedsLogin(err), "NeedsLogin(%v)", err)
		})
	}
}

// TestOnTokenChangeNamesTheUser: two users' logins on one cache rotate their
// refresh tokens; OnTokenChange learns from TokenChange.User whose token
// each new one is, though the keys hold users only hashed.
func TestOnTokenChangeNamesTheUser(t *testing.T) {
	type stored struct{ user, refreshToken string }
	var (
		mu    sync.Mutex
		saved []stored
	)
	h := newHarness(t, tokencache.Config{OnTokenChange: func(ch tokencache.TokenChange) {
		if ch.RefreshTokenChanged() {
			mu.Lock()
			saved = append(saved, stored{ch.User, ch.New.RefreshToken})
			mu.Unlock()
		}
	}})
	sources := map[string]oauth2.TokenSource{}
	for _, user := range []string{"alice@example.com", "bob@example.com"} {
		key := tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", ClientID: "app", Flow: "refresh_token", User: user})
		require.NotContains(t, key, "example.com", "the key holds the user only hashed")
		renew := func(_ context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: "at-" + user, RefreshToken: prev.RefreshToken + "+" + user, Expiry: h.clock.Now().Add(life)}, nil
		}
		expired := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-" + user, Expiry: h.clock.Now().Add(-time.Second)}
		sources[user] = h.cache.RefreshingSource(key, expired, renew, tokencache.ForUser(user))
	}
	for _, user := range []string{"bob@example.com", "alice@example.com"} {
		_, err := sources[user].Token()
		require.NoError(t, err)
		h.waitEvent(t)
	}

	// A key filled without a source for a user (client credentials)
	// reports none.
	_, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.NoError(t, err)
	h.waitEvent(t)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []stored{
		{"bob@example.com", "rt-bob@example.com+bob@example.com"},
		{"alice@example.com", "rt-alice@example.com+alice@example.com"},
		{"", "rt-1"},
	}, saved)
}

// TestRefreshingSourceKeepsRotatedRefreshTokenAfterDrop: once one source of
// a key rotated the refresh token, the key's other sources — made before, or
// after from an older copy of the login — renew with the rotated one after
// Invalidate, expiry or eviction dropped the access token, never with the
// refresh token it replaced (revoked: invalid_grant).
func TestRefreshingSourceKeepsRotatedRefreshTokenAfterDrop(t *testing.T) {
	drops := []struct {
		name string
		cfg  tokencache.Config
		drop func(t *testing.T, h *harness)
	}{
		{"invalidate", tokencache.Config{}, func(t *testing.T, h *harness) {
			require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
		}},
		{"expiry", tokencache.Config{}, func(t *testing.T, h *harness) {
			h.clock.Advance(life)
			require.Zero(t, h.cache.Len(), "expired and dropped")
		}},
		{"eviction", tokencache.Config{MaxEntries: 1}, func(t *testing.T, h *harness) {
			_, err := h.cache.Token(context.Background(), "v1|other", h.up.fetch)
			require.NoError(t, err)
			require.Equal(t, 1, h.cache.Len(), "the user's key evicted")
		}},
	}
	for _, d := range drops {
		for _, made := range []string{"before", "after"} {
			t.Run(d.name+"/made "+made, func(t *testing.T) {
				h := newHarness(t, d.cfg)
				r := newRotator(h, "rt-0")
				seed := seedToken(h)
				a := h.cache.RefreshingSource(testingKey, seed, r.renew)
				b := h.cache.RefreshingSource(testingKey, seed, r.renew)
				_, err := a.Token()
				require.NoError(t, err)
				h.waitEvent(t)

				h.clock.Advance(toStale)
				_, err = a.Token() // stale: a renews in the background, rt-0 → rt-1
				require.NoError(t, err)
				h.waitEvent(t)
				require.Equal(t, []string{"rt-0"}, r.sentTokens())

				d.drop(t, h)
				if made == "after" {
					b = h.cache.RefreshingSource(testingKey, seed, r.renew) // an older copy of the login
				}
				tok, err := b.Token()
				require.NoError(t, err)
				assert.Equal(t, "at-2", tok.AccessToken)
				assert.Equal(t, []string{"rt-0", "rt-1"}, r.sentTokens(), "the rotated refresh token, never the revoked one")
				runtime.KeepAlive(a)
			})
		}
	}
}

// TestRefreshingSourceNewLoginReplacesDeadRefreshToken: a source made from a
// new login (a token expiring later than the key's newest) renews with the
// new login's refresh token, not with the dead one the key held.
func TestRefreshingSourceNewLoginReplacesDeadRefreshToken(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	r := newRotator(h, "rt-new")
	old := h.cache.RefreshingSource(testingKey, seedToken(h), r.renew) // rt-0: revoked
	_, err := old.Token()
	require.NoError(t, err)
	h.waitEvent(t)
	h.clock.Advance(life) // expired, dropped; renewing it would fail
	require.Zero(t, h.cache.Len())

	login := &oauth2.Token{AccessToken: "at-new", RefreshToken: "rt-new", Expiry: h.clock.Now().Add(life)}
	src := h.cache.RefreshingSource(testingKey, login, r.renew)
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-new", tok.AccessToken, "a fresh login is served without a request")
	h.waitEvent(t)
	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	tok, err = old.Token() // the old source follows the new login too
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
	assert.Equal(t, []string{"rt-new"}, r.sentTokens())
}

// A refresh token the server refused for good (an error for which
// oauthkit.NeedsLogin is true) is never sent again: the source's later
// renewals fail with that error at once. A new login's token renews as
// before.
func TestRefreshingSourceNeverResendsARefusedRefreshToken(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	var mu sync.Mutex
	var sent []string
	renew := func(_ context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, prev.RefreshToken)
		if prev.RefreshToken != "rt-new" {
			return nil, &oauthkit.Error{Op: oauthkit.OpRefresh, StatusCode: 400, Code: "invalid_grant"}
		}
		return &oauth2.Token{AccessToken: "at-renewed", RefreshToken: "rt-next", Expiry: h.clock.Now().Add(life)}, nil
	}
	sentTokens := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), sent...)
	}
	src := h.cache.RefreshingSource(testingKey, seedToken(h), renew)
	_, err := src.Token()
	require.NoError(t, err)
	h.waitEvent(t)

	h.clock.Advance(toStale)
	_, err = src.Token()
	require.NoError(t, err, "while the access token is valid it is served")
	require.Error(t, h.waitEvent(t).Err)
	for range 5 { // past every backoff, and past expiry
		h.clock.Advance(time.Minute)
		_, err = src.Token()
		require.Error(t, err)
		require.True(t, oauthkit.NeedsLogin(err), "%v", err)
	}
	assert.Equal(t, []string{"rt-0"}, sentTokens(), "the refused refresh token was sent once")

	h.clock.Advance(time.Minute) // past the last failure's backoff
	login := &oauth2.Token{AccessToken: "at-new", RefreshToken: "rt-new", Expiry: h.clock.Now().Add(-time.Second)}
	tok, err := h.cache.RefreshingSource(testingKey, login, renew).Token()
	require.NoError(t, err)
	assert.Equal(t, "at-renewed", tok.AccessToken)
	assert.Equal(t, []string{"rt-0", "rt-new"}, sentTokens())
}
