package tokencache_test

import (
	"context"
	"fmt"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// goroutinesCreated returns how many goroutines the program has started.
func goroutinesCreated(t *testing.T) uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	require.Equal(t, metrics.KindUint64, s[0].Value.Kind(), "runtime metric missing")
	return s[0].Value.Uint64()
}

// TestChurnStartsNoGoroutinePerKey: a churn cycle of 10,000 keys (each
// filled on a miss, refreshed ahead of expiry when asked for stale, then
// expired, dropped and filled again) starts a few goroutines, not one per
// fill: fills run on the cache's reused workers. The stale keys are asked
// for 100 at a time, each hundred once the last one's refreshes ended, as
// a service's keys turn stale over time: a burst of refreshes all in flight
// at once still runs each on a goroutine (none waits for a worker).
func TestChurnStartsNoGoroutinePerKey(t *testing.T) {
	n := 10_000
	h := newHarness(t, tokencache.Config{})
	ctx := context.Background()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("v1|workers|", i)
	}
	ask := func() {
		t.Helper()
		for _, k := range keys {
			_, err := h.cache.Token(ctx, k, h.up.fetch)
			require.NoError(t, err)
		}
	}
	before := goroutinesCreated(t)

	ask() // n misses, one after another
	drainEvents(h)
	h.clock.Advance(toStale)
	for i := 0; i < n; i += 100 { // n refreshes ahead, in the background
		want := h.fills.Load() + 100
		for _, k := range keys[i : i+100] {
			_, err := h.cache.Token(ctx, k, h.up.fetch)
			require.NoError(t, err)
		}
		// A poll of our own: require.Eventually starts a goroutine per try.
		for deadline := time.Now().Add(waitLimit); h.fills.Load() < want; time.Sleep(100 * time.Microsecond) {
			require.True(t, time.Now().Before(deadline), "refreshes of keys %d to %d did not end", i, i+99)
		}
	}
	drainEvents(h)
	h.clock.Advance(life) // every key expires and is dropped
	require.Zero(t, h.cache.Len())
	ask() // n misses again

	created := goroutinesCreated(t) - before
	t.Logf("%d goroutines started for %d fills", created, 3*n)
	assert.EqualValues(t, 3*n, h.up.calls.Load(), "one fetch per key and phase")
	assert.Less(t, created, uint64(n/20), "goroutines started during the cycle")
}
