package tokencache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestLifecycle walks one token through fresh, stale and expired: what a
// caller gets after the clock moved, and how many fetches that took.
func TestLifecycle(t *testing.T) {
	tests := []struct {
		name      string
		advance   time.Duration
		wantFirst bool  // the caller gets the first token
		wantCalls int64 // fetches once everything settled
		wantAhead bool  // the second fetch was a refresh-ahead
	}{
		{name: "fresh right after the fetch", advance: 0, wantFirst: true, wantCalls: 1},
		{name: "fresh until the refresh-ahead window", advance: toStale - time.Nanosecond, wantFirst: true, wantCalls: 1},
		{name: "stale: served, refreshed behind", advance: toStale, wantFirst: true, wantCalls: 2, wantAhead: true},
		{name: "stale until the margin", advance: toExpired - time.Nanosecond, wantFirst: true, wantCalls: 2, wantAhead: true},
		{name: "expired at the margin: callers wait", advance: toExpired, wantCalls: 2},
		{name: "past the expiry", advance: life + time.Hour, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tokencache.Config{})
			first := h.filled(t)
			h.clock.Advance(tt.advance)

			got := h.token(t)
			if tt.wantFirst {
				assert.Same(t, first, got)
			} else {
				assert.Equal(t, "at-2", got.AccessToken)
			}
			if tt.wantCalls > 1 {
				ev := h.waitEvent(t)
				assert.Equal(t, tt.wantAhead, ev.Ahead)
				assert.NoError(t, ev.Err)
			}
			h.noEvent(t)
			assert.Equal(t, tt.wantCalls, h.up.calls.Load())
			assert.Equal(t, fmt.Sprintf("at-%d", tt.wantCalls), h.token(t).AccessToken, "token once settled")
		})
	}
}

// TestStaleNotRefreshedWithoutDemand: a key nobody asks for costs no fetch,
// and is dropped when its token expires.
func TestStaleNotRefreshedWithoutDemand(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	h.filled(t)
	require.Equal(t, 1, h.cache.Len())

	h.clock.Advance(toStale)
	h.noEvent(t)
	assert.Equal(t, int64(1), h.up.calls.Load(), "stale without callers: no fetch")
	assert.Equal(t, 1, h.cache.Len())

	h.clock.Advance(toExpired - toStale)
	assert.Equal(t, int64(1), h.up.calls.Load(), "expired without callers: no fetch")
	assert.Equal(t, 0, h.cache.Len(), "expired key dropped")
	assert.Zero(t, h.clock.Pending(), "no timer left behind")
}

// TestFailingRefreshWhileValid: a refresh that fails keeps serving the old
// token, reports the error and retries after a backoff.
func TestFailingRefreshWhileValid(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.up.failNext(errUpstream, errUpstream)

	h.clock.Advance(toStale)
	assert.Same(t, first, h.token(t), "stale token served")
	ev := h.waitEvent(t)
	require.ErrorIs(t, ev.Err, errUpstream)
	assert.True(t, ev.Ahead)
	assert.Equal(t, 1, ev.Failures)
	assert.GreaterOrEqual(t, ev.RetryIn, 500*time.Millisecond)
	assert.Less(t, ev.RetryIn, time.Second)
	require.Len(t, h.errors(), 1)
	assert.ErrorIs(t, h.errors()[0], errUpstream)

	// Within the backoff: served, no new fetch.
	assert.Same(t, first, h.token(t))
	h.noEvent(t)
	assert.Equal(t, int64(2), h.up.calls.Load())

	// After it: the next caller retries (and fails again, with a longer backoff).
	h.clock.Advance(time.Second)
	assert.Same(t, first, h.token(t))
	ev = h.waitEvent(t)
	require.ErrorIs(t, ev.Err, errUpstream)
	assert.Equal(t, 2, ev.Failures)
	assert.GreaterOrEqual(t, ev.RetryIn, time.Second)
	assert.Less(t, ev.RetryIn, 2*time.Second)

	h.clock.Advance(2 * time.Second)
	assert.Same(t, first, h.token(t))
	ev = h.waitEvent(t)
	require.NoError(t, ev.Err)
	assert.Equal(t, 0, ev.Failures)
	assert.Equal(t, "at-4", h.token(t).AccessToken, "the successful refresh replaced it")
}

// TestFailingRefreshUntilExpiry: once the old token expires, callers wait
// and get the error; it is handed out for a short backoff, then the next
// caller fetches again.
func TestFailingRefreshUntilExpiry(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.up.failNext(errUpstream, errUpstream, errUpstream)

	h.clock.Advance(toStale)
	assert.Same(t, first, h.token(t))
	require.ErrorIs(t, h.waitEvent(t).Err, errUpstream)

	h.clock.Advance(toExpired - toStale)
	_, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, errUpstream, "expired, refresh failed: the error")
	assert.NotContains(t, err.Error(), first.AccessToken)
	ev := h.waitEvent(t)
	assert.False(t, ev.Ahead)
	assert.Equal(t, 1, ev.Failures, "the expired key was dropped, and its count with it")
	assert.LessOrEqual(t, ev.RetryIn, 100*time.Millisecond, "errors are held briefly")

	_, err = h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, errUpstream, "within the hold: the same error")
	h.noEvent(t)
	assert.Equal(t, int64(3), h.up.calls.Load(), "no fetch within the hold")

	h.clock.Advance(200 * time.Millisecond)
	_, err = h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, errUpstream, "after the hold: fetched again")
	assert.Equal(t, int64(4), h.up.calls.Load())
	h.waitEvent(t)

	h.clock.Advance(400 * time.Millisecond)
	assert.Equal(t, "at-5", h.token(t).AccessToken, "recovered")
}

// TestNoValidTokenError: the first fetch of a key fails; the error is held
// at most holdBase, and a success clears it.
func TestNoValidTokenError(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	h.up.failNext(errUpstream)
	_, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, errUpstream)
	assert.Contains(t, err.Error(), "tokencache: fetch: ")
	ev := h.waitEvent(t)
	assert.Equal(t, 1, ev.Failures)
	assert.LessOrEqual(t, ev.RetryIn, 100*time.Millisecond)

	h.clock.Advance(100 * time.Millisecond)
	assert.Equal(t, "at-2", h.token(t).AccessToken)
}

// TestNoExpiry: a token without expiry stays until invalidated, with no
// timer armed.
func TestNoExpiry(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	h.up.life = 0
	first := h.filled(t)
	assert.Zero(t, h.clock.Pending())

	h.clock.Advance(10 * 365 * 24 * time.Hour)
	assert.Same(t, first, h.token(t))
	h.noEvent(t)
	assert.Equal(t, int64(1), h.up.calls.Load())

	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	assert.Equal(t, "at-2", h.token(t).AccessToken)
}

// TestInvalidate: the next caller fetches; unknown keys are a no-op.
func TestInvalidate(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)

	require.NoError(t, h.cache.Invalidate(context.Background(), "unknown"))
	assert.Same(t, first, h.token(t))

	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	assert.Equal(t, 0, h.cache.Len())
	second := h.token(t)
	assert.Equal(t, "at-2", second.AccessToken)
	h.waitEvent(t)
	assert.Equal(t, int64(2), h.up.calls.Load())
}

// TestInvalidateDuringFetch: callers after Invalidate wait for the fetch in
// flight instead of being served the invalidated token.
func TestInvalidateDuringFetch(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.clock.Advance(toStale)
	release := h.up.block()
	assert.Same(t, first, h.token(t), "stale: served, refresh blocked")

	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	got := make(chan string, 1)
	go func() {
		tok, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- tok.AccessToken
	}()
	select {
	case <-got:
		t.Fatal("served a token while the only one was invalidated")
	case <-time.After(5 * time.Millisecond):
	}
	release()
	assert.Equal(t, "at-2", <-got)
	assert.Equal(t, int64(2), h.up.calls.Load())
}

// TestInvalidTokens: a nil token or one without an access token is an error
// and is never cached.
func TestInvalidTokens(t *testing.T) {
	tests := []struct {
		name    string
		fetch   tokencache.Fetch
		wantErr string
	}{
		{name: "nil token", fetch: func(context.Context) (*oauth2.Token, error) { return nil, nil }, wantErr: "no token"},
		{name: "empty access token", fetch: func(context.Context) (*oauth2.Token, error) { return &oauth2.Token{TokenType: "Bearer"}, nil }, wantErr: "without an access token"},
		{name: "panic", fetch: func(context.Context) (*oauth2.Token, error) { panic("boom") }, wantErr: "panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tokencache.Config{})
			_, err := h.cache.Token(context.Background(), testingKey, tt.fetch)
			require.ErrorContains(t, err, tt.wantErr)
			require.Error(t, h.waitEvent(t).Err)

			h.clock.Advance(100 * time.Millisecond)
			assert.Equal(t, "at-1", h.token(t).AccessToken, "not cached: the next caller fetches")
		})
	}
}

// TestNilFetch is a programming error reported as an error.
func TestNilFetch(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	_, err := h.cache.Token(context.Background(), testingKey, nil)
	require.ErrorContains(t, err, "nil fetch")
}

// TestFetchOfExpiredTokenFails: a fetch answering with a token already
// expired by the cache's clock fails with ErrExpiredToken; the token is
// neither handed out nor cached, and a refresh answering so keeps the old
// token served.
func TestFetchOfExpiredTokenFails(t *testing.T) {
	for _, age := range []time.Duration{time.Second, 0} {
		t.Run(fmt.Sprintf("expired %v ago", age), func(t *testing.T) {
			h := newHarness(t, tokencache.Config{})
			expired := func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "at-old", Expiry: h.clock.Now().Add(-age)}, nil
			}
			tok, err := h.cache.Token(context.Background(), testingKey, expired)
			require.ErrorIs(t, err, tokencache.ErrExpiredToken)
			assert.Nil(t, tok, "the expired token is not handed out")
			require.ErrorIs(t, h.waitEvent(t).Err, tokencache.ErrExpiredToken)

			h.clock.Advance(100 * time.Millisecond)
			first := h.token(t) // not cached: the next caller fetches
			assert.Equal(t, "at-1", first.AccessToken)
			h.waitEvent(t)

			h.clock.Advance(toStale)
			tok, err = h.cache.Token(context.Background(), testingKey, expired)
			require.NoError(t, err)
			assert.Same(t, first, tok, "stale: served while the refresh runs")
			require.ErrorIs(t, h.waitEvent(t).Err, tokencache.ErrExpiredToken)
			assert.Same(t, first, h.token(t), "the old token is kept")
			require.NotEmpty(t, h.errors())
			assert.ErrorIs(t, h.errors()[0], tokencache.ErrExpiredToken)
		})
	}
}
