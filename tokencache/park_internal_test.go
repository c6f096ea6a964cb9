package tokencache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// heapLen returns how many deadlines c's heap holds and how many entries
// are parked.
func heapLen(c *Cache) (held, parkedN int) {
	c.sched.mu.Lock()
	defer c.sched.mu.Unlock()
	return len(c.sched.h), c.sched.parked
}

// TestLongLivedKeysHoldNoHeapSlot: keys whose tokens turn stale an hour
// from now are parked, not in the scheduler's heap; a minute before their
// stale time they are in it, and they turn stale at that time to the
// millisecond, not at the sweep's.
func TestLongLivedKeysHoldNoHeapSlot(t *testing.T) {
	clock := tokencachetest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	const n = 1000
	c := New(Config{Clock: clock, RefreshAhead: 5 * time.Minute})
	defer c.Close()
	ctx := context.Background()
	start := clock.Now()
	fetch := func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "at", Expiry: clock.Now().Add(time.Hour)}, nil
	}
	for i := range n {
		_, err := c.Token(ctx, fmt.Sprint("k", i), fetch)
		require.NoError(t, err)
	}
	held, parkedN := heapLen(c)
	require.Zero(t, held, "no heap slot for a key an hour from its deadline")
	require.Equal(t, n, parkedN)
	require.Equal(t, 1, clock.Pending(), "one timer, for the sweep")

	// Stale at start + 1h - 10s margin - 5 min ahead.
	staleAt := start.Add(time.Hour - DefaultExpiryMargin - 5*time.Minute)
	clock.Advance(staleAt.Add(-time.Minute / 2).Sub(clock.Now()))
	held, parkedN = heapLen(c)
	require.Equal(t, n, held, "within the horizon: in the heap")
	require.Zero(t, parkedN)
	e := c.table.get("k0")
	require.Equal(t, phaseFresh, e.phase())

	clock.Advance(staleAt.Add(-time.Millisecond).Sub(clock.Now()))
	require.Equal(t, phaseFresh, e.phase(), "fresh a millisecond before")
	clock.Advance(time.Millisecond)
	for i := range n {
		require.Equal(t, phaseStale, c.table.get(fmt.Sprint("k", i)).phase(), "stale at its time")
	}
}

// TestParkedDeadlinesAreKept: keys of every lifetime around the horizon,
// asked for, invalidated and failing at random while the clock jumps by
// random steps: after every step, every key is in the phase its token and
// the time call for (no fresh token past its stale time, no expired token
// served), and once every token has expired nothing is left, parked or not.
func TestParkedDeadlinesAreKept(t *testing.T) {
	clock := tokencachetest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	c := New(Config{Clock: clock})
	defer c.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(24, 1))
	lives := []time.Duration{20 * time.Second, 75 * time.Second, 3 * time.Minute, time.Hour, 5 * time.Hour}
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	var fail atomic.Bool
	fetchFor := func(life time.Duration) Fetch {
		return func(context.Context) (*oauth2.Token, error) {
			if fail.Load() {
				return nil, fmt.Errorf("upstream down")
			}
			return &oauth2.Token{AccessToken: "at", Expiry: clock.Now().Add(life)}, nil
		}
	}
	check := func(step int) {
		t.Helper()
		now := c.at(clock.Now())
		for _, e := range c.table.entries() {
			e.mu.Lock()
			ph, _, keep := e.plan(now)
			idle := e.bits.Load()&flagIdle != 0
			got := e.phase()
			inflight := e.inflight() != nil
			e.mu.Unlock()
			if idle || inflight || e.dead() {
				continue
			}
			require.True(t, keep, "step %d: an entry holding nothing is still in the table", step)
			require.Equal(t, ph, got, "step %d: phase", step)
		}
	}
	for step := range 3000 {
		k := keys[rng.IntN(len(keys))]
		switch r := rng.IntN(10); {
		case r < 5:
			fail.Store(rng.IntN(8) == 0)
			_, _ = c.Token(ctx, k, fetchFor(lives[rng.IntN(len(lives))]))
			c.fills.Wait()
		case r < 6:
			require.NoError(t, c.Invalidate(ctx, k))
		default:
			clock.Advance(time.Duration(rng.Int64N(int64(2 * time.Minute))))
			c.fills.Wait()
		}
		check(step)
	}
	clock.Advance(6 * time.Hour)
	c.fills.Wait()
	require.Zero(t, c.table.len(), "every key expired and dropped")
	held, parkedN := heapLen(c)
	require.Zero(t, held)
	require.Zero(t, parkedN)
	require.Zero(t, clock.Pending(), "no timer left behind")
}

// TestParkedKeyRefilledSooner: a parked key invalidated and filled again
// with a token that turns stale sooner, though still beyond the horizon,
// turns stale at the new token's time, not the old one's.
func TestParkedKeyRefilledSooner(t *testing.T) {
	clock := tokencachetest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	c := New(Config{Clock: clock, RefreshAhead: time.Minute})
	defer c.Close()
	ctx := context.Background()
	life := 5 * time.Hour
	fetch := func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "at", Expiry: clock.Now().Add(life)}, nil
	}
	_, err := c.Token(ctx, "k", fetch)
	require.NoError(t, err)
	require.NoError(t, c.Invalidate(ctx, "k"))
	life = 10 * time.Minute
	_, err = c.Token(ctx, "k", fetch)
	require.NoError(t, err)
	_, parkedN := heapLen(c)
	require.Equal(t, 1, parkedN)

	e := c.table.get("k")
	staleIn := life - DefaultExpiryMargin - time.Minute
	clock.Advance(staleIn - time.Millisecond)
	require.Equal(t, phaseFresh, e.phase())
	clock.Advance(time.Millisecond)
	require.Equal(t, phaseStale, e.phase(), "stale at the new token's time")
}

// BenchmarkSweep: one sweep over 100,000 parked keys, none of them within
// the horizon, what a cache of 3-minute tokens pays at most every 30 s.
func BenchmarkSweep(b *testing.B) {
	clock := tokencachetest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	c := New(Config{Clock: clock})
	defer c.Close()
	ctx := context.Background()
	fetch := func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "at", Expiry: clock.Now().Add(time.Hour)}, nil
	}
	for i := range 100_000 {
		if _, err := c.Token(ctx, fmt.Sprint("k", i), fetch); err != nil {
			b.Fatal(err)
		}
	}
	now := c.at(clock.Now())
	b.ReportAllocs()
	for b.Loop() {
		c.sweep(now)
	}
	if _, parkedN := heapLen(c); parkedN != 100_000 {
		b.Fatalf("%d parked, want 100000", parkedN)
	}
}

// offsetClock is a fake clock whose wall time can be set back while its
// timers, like the system's, keep counting elapsed time.
type offsetClock struct {
	*tokencachetest.Clock
	offset time.Duration
}

func (c *offsetClock) Now() time.Time { return c.Clock.Now().Add(c.offset) }

// TestSweepAfterClockSetBack: after the wall clock is set back an hour, a
// key parked then turns stale at its time, not an hour later: sweeps are
// spaced from the last one only while it is not in the future.
func TestSweepAfterClockSetBack(t *testing.T) {
	clock := &offsetClock{Clock: tokencachetest.NewClock(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))}
	c := New(Config{Clock: clock, RefreshAhead: 30 * time.Second})
	defer c.Close()
	ctx := context.Background()
	fetch := func(life time.Duration) Fetch {
		return func(context.Context) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: "at", Expiry: clock.Now().Add(life)}, nil
		}
	}
	// Two hours on, "a" turns stale 70 s from now: parked, then moved into
	// the heap by a sweep 10 s later.
	clock.Advance(2 * time.Hour)
	_, err := c.Token(ctx, "a", fetch(70*time.Second+DefaultExpiryMargin+30*time.Second))
	require.NoError(t, err)
	clock.Advance(10 * time.Second)
	held, parkedN := heapLen(c)
	require.Equal(t, 1, held, "swept into the heap")
	require.Zero(t, parkedN)

	clock.offset = -time.Hour
	_, err = c.Token(ctx, "b", fetch(3*time.Minute))
	require.NoError(t, err)
	_, parkedN = heapLen(c)
	require.Equal(t, 1, parkedN)
	clock.Advance(3*time.Minute - DefaultExpiryMargin - 30*time.Second)
	require.Equal(t, phaseStale, c.table.get("b").phase(), "stale at its time")
}
