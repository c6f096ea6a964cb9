package tokencache_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

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
		// Woken by each fill (require.Eventually would start a goroutine
		// per try).
		h.waitFills(t, want, fmt.Sprintf("refreshes of keys %d to %d", i, i+99))
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

// TestFillKeepsCallersProfilerLabels: a fill runs with the profiler labels
// of the caller that started it (runtime/pprof.Do), as it did on a goroutine
// of its own, also on a worker that earlier ran another caller's fill.
func TestFillKeepsCallersProfilerLabels(t *testing.T) {
	cache := tokencache.New(tokencache.Config{})
	defer cache.Close()
	for _, tenant := range []string{"a", "b", "c"} {
		var labels string
		fetch := func(context.Context) (*oauth2.Token, error) {
			labels = fetchLabels(t)
			return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, nil
		}
		pprof.Do(context.Background(), pprof.Labels("tenant", tenant), func(ctx context.Context) {
			_, err := cache.Token(ctx, "v1|labels|"+tenant, fetch)
			require.NoError(t, err)
		})
		assert.Equal(t, `{"tenant":"`+tenant+`"}`, labels, "the fill's labels")
	}
}

// fetchLabels returns the profiler labels of the goroutine calling it, as
// the goroutine profile prints them ("" for none).
func fetchLabels(t *testing.T) string {
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 1))
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(rec, "tokencache_test.fetchLabels") {
			continue
		}
		for _, line := range strings.Split(rec, "\n") {
			if l, ok := strings.CutPrefix(line, "# labels: "); ok {
				return l
			}
		}
		return ""
	}
	t.Fatal("the fetching goroutine is not in the profile")
	return ""
}
