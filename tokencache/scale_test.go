package tokencache_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestHerdOf10000Callers: 10,000 callers of a missing key wait for one
// fetch and all get its token; then 10,000 callers of the stale key all get
// the old token at once, with one refresh.
func TestHerdOf10000Callers(t *testing.T) {
	const callers = 10_000
	h := newHarness(t, tokencache.Config{})
	release := h.up.block()

	herd := func() []*oauth2.Token {
		toks := make([]*oauth2.Token, callers)
		var wg sync.WaitGroup
		for i := range toks {
			wg.Go(func() {
				tok, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
				assert.NoError(t, err)
				toks[i] = tok
			})
		}
		wg.Wait()
		return toks
	}

	done := make(chan []*oauth2.Token)
	go func() { done <- herd() }()
	require.Eventually(t, func() bool { return h.up.calls.Load() == 1 }, waitLimit, time.Millisecond)
	release()
	toks := <-done
	require.EqualValues(t, 1, h.up.calls.Load(), "one fetch for the whole herd")
	h.waitEvent(t)
	for i, tok := range toks {
		require.Same(t, toks[0], tok, "caller %d got another token", i)
	}

	h.clock.Advance(toStale)
	release = h.up.block()
	stale := herd() // returns while the refresh is blocked
	for i, tok := range stale {
		require.Same(t, toks[0], tok, "stale caller %d got another token", i)
	}
	release()
	h.waitEvent(t)
	assert.EqualValues(t, 2, h.up.calls.Load(), "one refresh for the stale herd")
}

// TestChurnOf100000Keys: 100,000 keys filled together turn stale together;
// half are asked for and refreshed, the other half expire and are dropped,
// then the refreshed half expires too. No expired token is served, nothing
// is left behind, and the cache's scheduler holds one timer, not one per
// key.
func TestChurnOf100000Keys(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 10_000 // the race detector makes 100,000 keys take a minute
	}
	began := time.Now()
	h := newHarness(t, tokencache.Config{})
	ctx := context.Background()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("v1|churn|", i)
		_, err := h.cache.Token(ctx, keys[i], h.up.fetch)
		require.NoError(t, err)
	}
	drainEvents(h)
	require.Equal(t, n, h.cache.Len())
	assert.Equal(t, 1, h.clock.Pending(), "one timer for all the keys")

	h.clock.Advance(toStale)
	goroutines := runtime.NumGoroutine()
	refreshed := countFills(t, h, n/2)
	for _, k := range keys[:n/2] {
		tok, err := h.cache.Token(ctx, k, h.up.fetch)
		require.NoError(t, err)
		require.True(t, h.clock.Now().Before(tok.Expiry), "stale token still valid")
	}
	refreshed()
	assert.EqualValues(t, n+n/2, h.up.calls.Load(), "one refresh per stale key asked for")
	assert.Eventually(t, func() bool { return runtime.NumGoroutine() < goroutines+100 }, waitLimit, time.Millisecond, "fills done: no goroutine per key left")

	h.clock.Advance(toExpired - toStale)
	require.Equal(t, n/2, h.cache.Len(), "the keys nobody asked for are dropped at expiry")
	for _, k := range keys[:n/2] {
		tok, err := h.cache.Token(ctx, k, h.up.fetch)
		require.NoError(t, err)
		require.True(t, h.clock.Now().Before(tok.Expiry), "refreshed token valid")
	}
	assert.EqualValues(t, n+n/2, h.up.calls.Load(), "refreshed keys are hits")

	h.clock.Advance(life)
	assert.Zero(t, h.cache.Len(), "every key expired and dropped")
	assert.Zero(t, h.clock.Pending(), "no timer left behind")
	assert.Less(t, time.Since(began), 20*time.Second, "bounded time")
}

// drainEvents empties h's event buffer, which drops events once full.
func drainEvents(h *harness) {
	for {
		select {
		case <-h.events:
		default:
			return
		}
	}
}

// countFills returns a function that waits until n more fills have ended
// than had when countFills was called, failing after a while. It counts
// them with h.fills, not h.events, which drops events once full.
func countFills(t *testing.T, h *harness, n int) (wait func()) {
	start := h.fills.Load()
	return func() {
		t.Helper()
		require.Eventually(t, func() bool { return h.fills.Load()-start >= int64(n) }, 10*waitLimit, time.Millisecond,
			"fewer than %d fills ended", n)
	}
}

// TestNoStallAfterInvalidateAt100000Keys: with 100,000 keys, invalidating
// and refilling keys, and 50,000 keys expiring at once, hold up no other
// operation: the table never copies itself and the scheduler settles
// expiring keys in small batches. It logs the slowest op and checks, without
// the race detector, that the 99.9th percentile of the best of three rounds
// stays under 1 ms (the goal is 50 µs for every op; on the loaded 2-core VM
// it was measured on, p99.9 was 60–80 µs, misses included): on a shared machine a GC pause or the scheduler stalls
// single ops for milliseconds whatever the cache does, so the worst op is
// reported (BENCHMARKS.md), not asserted.
func TestNoStallAfterInvalidateAt100000Keys(t *testing.T) {
	const n = 100_000
	ctx := context.Background()
	h := newHarness(t, tokencache.Config{})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("v1|stall|", i)
		_, err := h.cache.Token(ctx, keys[i], h.up.fetch)
		require.NoError(t, err)
	}
	drainEvents(h)

	best := time.Hour // p99.9 of the best round
	for round := range 3 {
		lat := make([]time.Duration, 0, 2*n)
		for i := range n / 10 {
			k := keys[(i*7919+round)%n]
			t0 := time.Now()
			require.NoError(t, h.cache.Invalidate(ctx, k))
			lat = append(lat, time.Since(t0))
			for j := range 10 {
				t0 = time.Now()
				_, err := h.cache.Token(ctx, keys[(i*31+j*977)%n], h.up.fetch)
				lat = append(lat, time.Since(t0))
				require.NoError(t, err)
			}
		}
		drainEvents(h)
		slices.Sort(lat)
		worst := lat[len(lat)-1]
		p999 := lat[len(lat)*999/1000]
		t.Logf("round %d: %d ops, p99.9 %v, p99.99 %v, worst %v", round, len(lat), p999, lat[len(lat)*9999/10000], worst)
		best = min(best, p999)
	}
	if raceEnabled {
		return
	}
	assert.Less(t, best, time.Millisecond, "99.9th percentile op after Invalidate, best of three rounds")
}

// TestOpsDuringMassExpiryAt100000Keys: 100,000 keys filled together turn
// stale and expire together (one Advance of the clock, during which the
// cache's one timer settles them in batches) while two goroutines keep
// asking: one for 1,000 long-lived keys (hits), one for keys that are
// expiring (hits, then misses that fill again). Nobody is served an expired
// token, the long-lived keys stay hits, no goroutine is started per key, and
// the sweep takes bounded time. It logs the slowest ops and checks, without
// the race detector, that the 99.9th percentile of the hits stays under
// 1 ms (the goal is 50 µs for every op; as in
// TestNoStallAfterInvalidateAt100000Keys, a shared VM stalls single ops for
// milliseconds whatever the cache does).
func TestOpsDuringMassExpiryAt100000Keys(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 10_000
	}
	const hot = 1_000
	ctx := context.Background()
	h := newHarness(t, tokencache.Config{})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("v1|expiring|", i)
		_, err := h.cache.Token(ctx, keys[i], h.up.fetch)
		require.NoError(t, err)
	}
	var hotFetches atomic.Int64
	hotFetch := func(context.Context) (*oauth2.Token, error) {
		hotFetches.Add(1)
		return &oauth2.Token{AccessToken: "hot", Expiry: h.clock.Now().Add(24 * time.Hour)}, nil
	}
	hotKeys := make([]string, hot)
	for i := range hotKeys {
		hotKeys[i] = fmt.Sprint("v1|hot|", i)
		_, err := h.cache.Token(ctx, hotKeys[i], hotFetch)
		require.NoError(t, err)
	}
	drainEvents(h)
	require.Equal(t, n+hot, h.cache.Len())
	goroutines := int64(runtime.NumGoroutine())
	calls := h.up.calls.Load()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var hits, others []time.Duration
	var peak atomic.Int64
	var expired atomic.Int64
	// Told by the askers of the expiring keys.
	asked := newProgress()
	wg.Go(func() { // hits on long-lived keys
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			tok, err := h.cache.Token(ctx, hotKeys[(i*7919)%hot], hotFetch)
			hits = append(hits, time.Since(t0))
			if err != nil || tok.AccessToken != "hot" {
				expired.Add(1)
			}
			if g := int64(runtime.NumGoroutine()); g > peak.Load() {
				peak.Store(g)
			}
		}
	})
	wg.Go(func() { // the expiring keys: hits, stale hits, then misses
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			tok, err := h.cache.Token(ctx, keys[(i*7919)%n], h.up.fetch)
			others = append(others, time.Since(t0))
			asked.tick()
			if err != nil || !h.clock.Now().Before(tok.Expiry) {
				expired.Add(1)
			}
			drainEvents(h)
		}
	})

	asked.wait(t, 100) // the askers are running
	began := time.Now()
	h.clock.Advance(toStale)
	h.clock.Advance(toExpired - toStale)
	sweep := time.Since(began)
	asked.wait(t, 100) // and ask the expired keys
	close(stop)
	wg.Wait()
	drainEvents(h)

	assert.Zero(t, expired.Load(), "no error and no expired token served")
	assert.EqualValues(t, hot, hotFetches.Load(), "the long-lived keys stayed hits")
	// Each stale key asked for starts one background refresh, in a
	// goroutine of its own until it returns; the sweep itself starts none.
	// A refresh started just before the askers stopped holds its key before
	// its fetch is counted: wait for those.
	assert.Eventually(t, func() bool {
		return int64(h.cache.Len()) <= hot+h.up.calls.Load()-calls
	}, waitLimit, time.Millisecond, "the expired keys nobody asked for are dropped")
	fills := h.up.calls.Load() - calls
	assert.Less(t, peak.Load(), goroutines+fills+100, "no goroutine per key")
	assert.Less(t, sweep, 10*time.Second, "bounded time")
	require.NotEmpty(t, hits)
	require.NotEmpty(t, others)
	slices.Sort(hits)
	slices.Sort(others)
	p999 := hits[len(hits)*999/1000]
	t.Logf("peak goroutines %d (%d before, %d fills)", peak.Load(), goroutines, fills)
	t.Logf("sweep of %d keys: %v; %d hits on long-lived keys: p99.9 %v, worst %v; %d ops on expiring keys: p99.9 %v, worst %v",
		n, sweep, len(hits), p999, hits[len(hits)-1], len(others), others[len(others)*999/1000], others[len(others)-1])
	if raceEnabled {
		return
	}
	assert.Less(t, p999, time.Millisecond, "99.9th percentile hit during the mass expiry")
}

// TestMissAllocatesAtMostThree: a miss (Invalidate, then Token: one fill)
// allocates at most 3 times beyond the fetch, what it did before fills ran
// on reused workers (the call, its channel, the goroutine; now 2), at every
// key count. Issue 13's goal was 6; it was 15 with a context, its timer and
// a second channel per fill. The fill's context and its deadline are part of
// the call, the cache holds one fetch timer, the scheduler's heap boxes
// nothing, its one timer is reset rather than made anew when a fill re-arms
// it (with 1 key the heap empties on every Invalidate: 11 allocations per
// miss), and Invalidate keeps the key's entry for the fill instead of a new
// one.
func TestMissAllocatesAtMostThree(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, n := range []int{1, 2, 100, 10_000} {
		t.Run(fmt.Sprint("keys=", n), func(t *testing.T) {
			cache := tokencache.New(tokencache.Config{})
			defer cache.Close()
			ctx := context.Background()
			tok := &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
			fetch := func(context.Context) (*oauth2.Token, error) { return tok, nil }
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprint("v1|miss|", i)
				_, err := cache.Token(ctx, keys[i], fetch)
				require.NoError(t, err)
			}
			i := 0
			allocs := testing.AllocsPerRun(1000, func() {
				k := keys[i%len(keys)]
				i++
				_ = cache.Invalidate(ctx, k)
				if _, err := cache.Token(ctx, k, fetch); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("%.1f allocations per miss", allocs)
			assert.LessOrEqual(t, allocs, 3.0, "allocations per miss")
		})
	}
}
