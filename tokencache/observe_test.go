package tokencache_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// cacheEvents records the cache events of an oauthkit.Metrics.
type cacheEvents struct {
	mu    sync.Mutex
	seen  []string
	fills []oauthkit.CacheFillInfo
}

func (r *cacheEvents) metrics() *oauthkit.Metrics {
	add := func(name string) func(context.Context, oauthkit.CacheInfo) {
		return func(_ context.Context, info oauthkit.CacheInfo) {
			r.mu.Lock()
			defer r.mu.Unlock()
			if info.Key != testingKey {
				r.seen = append(r.seen, "wrong key")
			}
			r.seen = append(r.seen, name)
		}
	}
	return &oauthkit.Metrics{
		CacheHit:   add("hit"),
		CacheStale: add("stale"),
		CacheMiss:  add("miss"),
		CacheFill: func(_ context.Context, info oauthkit.CacheFillInfo) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.seen = append(r.seen, "fill")
			r.fills = append(r.fills, info)
		},
	}
}

func (r *cacheEvents) take() ([]string, []oauthkit.CacheFillInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, fills := r.seen, r.fills
	r.seen, r.fills = nil, nil
	return seen, fills
}

// TestCacheReportsMetricsAndLogs: a miss and its fill, hits through
// Cache.Token and a bound TokenSource, a stale serve with its background
// fill, and a failed fill, each reported once to Config.Metrics and logged
// at debug level without a token.
func TestCacheReportsMetricsAndLogs(t *testing.T) {
	var rec cacheEvents
	var logs bytes.Buffer
	h := newHarness(t, tokencache.Config{
		Metrics: rec.metrics(),
		Logger:  slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})

	first := h.filled(t)
	seen, fills := rec.take()
	assert.Equal(t, []string{"miss", "fill"}, sortedFillLast(seen))
	require.Len(t, fills, 1)
	assert.Equal(t, oauthkit.OutcomeOK, fills[0].Outcome)
	assert.False(t, fills[0].Background)

	h.token(t)
	src := h.cache.TokenSource(testingKey, h.up.fetch)
	_, err := src.Token()
	require.NoError(t, err)
	_, err = src.Token() // the bound source's own fast path
	require.NoError(t, err)
	seen, _ = rec.take()
	assert.Equal(t, []string{"hit", "hit", "hit"}, seen)

	h.clock.Advance(toStale)
	assert.Same(t, first, h.token(t), "the stale token is served")
	h.waitEvent(t)
	seen, fills = rec.take()
	assert.Equal(t, []string{"stale", "fill"}, sortedFillLast(seen))
	require.Len(t, fills, 1)
	assert.True(t, fills[0].Background, "a refresh ahead of expiry")

	boom := errors.New("upstream down")
	h.up.failNext(boom)
	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	_, err = h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, boom)
	h.waitEvent(t)
	_, fills = rec.take()
	require.Len(t, fills, 1)
	assert.Equal(t, oauthkit.OutcomeError, fills[0].Outcome)
	assert.ErrorIs(t, fills[0].Err, boom)

	out := logs.String()
	assert.Equal(t, 3, bytes.Count(logs.Bytes(), []byte(`"msg":"oauthkit: cache fill"`)), "one record per fill")
	assert.Contains(t, out, `"outcome":"error"`)
	providertest.Text(t, "cache debug log", out, first.AccessToken, first.RefreshToken)
}

// sortedFillLast puts the fill event last: it is reported from the fetching
// goroutine, which may run before or after the caller's own event.
func sortedFillLast(seen []string) []string {
	var out []string
	fills := 0
	for _, s := range seen {
		if s == "fill" {
			fills++
			continue
		}
		out = append(out, s)
	}
	for range fills {
		out = append(out, "fill")
	}
	return out
}
