package tokencache_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestMaxEntries: the number of keys stays bounded, and a key in use
// survives a stream of keys asked for once.
func TestMaxEntries(t *testing.T) {
	const maxEntries = 64
	h := newHarness(t, tokencache.Config{MaxEntries: maxEntries})
	hot := &upstream{clock: h.clock, life: life}
	ctx := context.Background()
	hotToken := func() {
		_, err := h.cache.Token(ctx, "hot", hot.fetch)
		require.NoError(t, err)
	}
	hotToken()
	for i := range 500 {
		_, err := h.cache.Token(ctx, fmt.Sprintf("cold-%d", i), h.up.fetch)
		require.NoError(t, err)
		require.LessOrEqual(t, h.cache.Len(), maxEntries, "after %d keys", i+1)
		hotToken()
	}
	assert.Equal(t, int64(1), hot.calls.Load(), "the hot key was never dropped")
	assert.Equal(t, int64(500), h.up.calls.Load())
}

// TestMaxEntriesInFlight: keys with a fetch in flight are never dropped, so
// the bound is exceeded while they fetch, and restored by the next insertion.
func TestMaxEntriesInFlight(t *testing.T) {
	h := newHarness(t, tokencache.Config{MaxEntries: 2})
	release := h.up.block()
	done := make(chan error, 4)
	for i := range 4 {
		go func() {
			_, err := h.cache.Token(context.Background(), fmt.Sprintf("k%d", i), h.up.fetch)
			done <- err
		}()
	}
	require.Eventually(t, func() bool { return h.up.calls.Load() == 4 }, waitLimit, 1e6)
	assert.Equal(t, 4, h.cache.Len())
	release()
	for range 4 {
		require.NoError(t, <-done)
	}
	for range 4 {
		h.waitEvent(t)
	}
	_, err := h.cache.Token(context.Background(), "k4", h.up.fetch)
	require.NoError(t, err)
	assert.LessOrEqual(t, h.cache.Len(), 2)
}

// TestEvictedTokenSource: a bound TokenSource whose key was dropped finds
// (or makes) the key's new entry.
func TestEvictedTokenSource(t *testing.T) {
	h := newHarness(t, tokencache.Config{MaxEntries: 1})
	src := h.cache.TokenSource(testingKey, h.up.fetch)
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)

	_, err = h.cache.Token(context.Background(), "other", h.up.fetch)
	require.NoError(t, err)
	require.Equal(t, 1, h.cache.Len())

	tok, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok.AccessToken, "refetched after eviction")
	again, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.NoError(t, err)
	assert.Same(t, tok, again, "TokenSource and Token share the entry")
}
