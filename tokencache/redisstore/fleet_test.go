package redisstore_test

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

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// life is the lifetime of the fleet tests' tokens, on their fake clock.
const life = 3 * time.Minute

// fleet is n caches (replicas: separate memories) sharing one Redis, or
// nothing, on one fake clock, in front of an upstream that counts fetches
// per key.
type fleet struct {
	clock   *tokencachetest.Clock
	caches  []*tokencache.Cache
	stores  []*redisstore.Store
	keys    []string
	fetches []atomic.Int64 // per key, since the last reset
	errs    atomic.Int64   // OnError calls
	issued  atomic.Int64   // tokens issued, never reset: each one differs
	asked   chan struct{}  // a value each time a Token call returns, if none waits there
}

// newFleet starts n caches over keys keys; addr "" means no Store.
func newFleet(t testing.TB, n, keys int, addr string, cfg redisstore.Config) *fleet {
	t.Helper()
	f := &fleet{clock: tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)), fetches: make([]atomic.Int64, keys), asked: make(chan struct{}, 1)}
	for k := range keys {
		f.keys = append(f.keys, tokencache.Key(tokencache.KeyParts{Vendor: "webuntis", Tenant: fmt.Sprint("school-", k), ClientID: "app", Flow: "client_credentials", Credential: "pw"}))
	}
	pre := redistest.Prefix()
	for range n {
		ccfg := tokencache.Config{Clock: f.clock, StoreWait: 25 * time.Second, OnError: func(_ string, err error) {
			if f.errs.Add(1) < 5 {
				t.Logf("OnError: %v", err)
			}
		}}
		if addr != "" {
			scfg := cfg
			if scfg.Timeout == 0 {
				// 1,600 goroutines on this machine's few CPUs (under the race
				// detector, beside the other packages' tests) starve the
				// fills that talk to Redis: the fleet tests count fetches,
				// not latency, so no Redis call or lease wait may time out
				// here (the timeout tests are TestSlowRedis…).
				scfg.Timeout = 10 * time.Second
			}
			scfg.Client, scfg.Prefix = redistest.Client(t, addr), pre
			if scfg.Keys == nil {
				scfg.Keys = [][]byte{testKey(1)}
			}
			s, err := redisstore.New(scfg)
			require.NoError(t, err)
			require.NoError(t, scfg.Client.Ping(context.Background()).Err(), "warm up: a replica that has been running")
			f.stores = append(f.stores, s)
			ccfg.Store = s
		}
		c := tokencache.New(ccfg)
		t.Cleanup(func() { _ = c.Close() })
		f.caches = append(f.caches, c)
	}
	return f
}

// fetch is key k's upstream.
func (f *fleet) fetch(k int) tokencache.Fetch {
	return func(context.Context) (*oauth2.Token, error) {
		f.fetches[k].Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprintf("at-%d-%d", k, f.issued.Add(1)), TokenType: "Bearer", Expiry: f.clock.Now().Add(life), ExpiresIn: int64(life / time.Second)}, nil
	}
}

// round runs goroutines callers on every cache, each asking for every key
// (from its own offset), and fails t for every call that did not get a
// valid token; it returns the upstream fetches of the round.
func (f *fleet) round(t testing.TB, goroutines int) int64 {
	t.Helper()
	for k := range f.fetches {
		f.fetches[k].Store(0)
	}
	var bad atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for _, c := range f.caches {
		for g := range goroutines {
			wg.Go(func() {
				for i := range f.keys {
					k := (g + i) % len(f.keys)
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					tok, err := c.Token(ctx, f.keys[k], f.fetch(k))
					cancel()
					select {
					case f.asked <- struct{}{}:
					default:
					}
					runtime.Gosched() // a request handler does I/O between tokens; leave the fills some CPU
					if err != nil || tok == nil || !tok.Expiry.After(f.clock.Now()) {
						bad.Add(1)
						if err != nil {
							firstErr.CompareAndSwap(nil, err.Error())
						}
					}
				}
			})
		}
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Errorf("%d calls got no valid token (first error: %v)", n, firstErr.Load())
	}
	var total int64
	for k := range f.fetches {
		total += f.fetches[k].Load()
	}
	return total
}

// maxPerKey is the most fetches of one key in the last round.
func (f *fleet) maxPerKey() int64 {
	var m int64
	for k := range f.fetches {
		m = max(m, f.fetches[k].Load())
	}
	return m
}

// TestFleetOneFetchPerKeyPerLifetime: 8 replicas × 200 goroutines on 100
// tenant keys over 3 token lifetimes: one upstream fetch per key per
// lifetime for the whole fleet. Without the Store it is one per replica.
func TestFleetOneFetchPerKeyPerLifetime(t *testing.T) {
	srv := redistest.Start(t)
	const replicas, goroutines, keys, lifetimes = 8, 200, 100, 3
	f := newFleet(t, replicas, keys, srv.Addr(), redisstore.Config{})
	var total int64
	for i := range lifetimes {
		if i > 0 {
			f.clock.Advance(life) // every token expired, in memory and in Redis
		}
		n := f.round(t, goroutines)
		total += n
		assert.Equal(t, int64(keys), n, "lifetime %d: one fetch per key for the fleet", i+1)
		assert.Equal(t, int64(1), f.maxPerKey(), "lifetime %d: no key fetched twice", i+1)
	}
	assert.Zero(t, f.errs.Load(), "no Store error reported")
	t.Logf("%d replicas × %d goroutines, %d keys, %d lifetimes: %s", replicas, goroutines, keys, lifetimes, describe("upstream fetches per key per lifetime", total, keys*lifetimes))

	t.Run("without the store", func(t *testing.T) {
		f := newFleet(t, replicas, keys, "", redisstore.Config{})
		n := f.round(t, goroutines)
		assert.Equal(t, int64(replicas*keys), n, "one per key per replica")
		t.Logf("%s", describe("without the store, upstream fetches per key per lifetime", n, keys))
	})
}

// TestFleetRefreshesAheadOnce: stale tokens are served while one replica
// refreshes each key; the others adopt its token.
func TestFleetRefreshesAheadOnce(t *testing.T) {
	srv := redistest.Start(t)
	const replicas, goroutines, keys = 8, 20, 50
	f := newFleet(t, replicas, keys, srv.Addr(), redisstore.Config{})
	require.Equal(t, int64(keys), f.round(t, goroutines))
	for i := range 3 {
		f.clock.Advance(life - tokencache.DefaultExpiryMargin - 5*time.Second) // stale (RefreshAhead ≥ 5 s), still valid
		f.round(t, goroutines)                                                 // served stale; starts the refreshes
		require.Eventually(t, func() bool {
			for _, c := range f.caches {
				for k, key := range f.keys {
					tok, err := c.Token(context.Background(), key, f.fetch(k))
					if err != nil || tok.Expiry.Sub(f.clock.Now()) < life-time.Second {
						return false
					}
				}
			}
			return true
		}, 10*time.Second, 10*time.Millisecond, "every replica holds the new tokens")
		assert.Equal(t, int64(1), f.maxPerKey(), "refresh %d: one fetch per key", i+1)
		var total int64
		for k := range f.fetches {
			total += f.fetches[k].Load()
		}
		assert.Equal(t, int64(keys), total, "refresh %d", i+1)
		for k := range f.fetches {
			f.fetches[k].Store(0)
		}
	}
}

// TestFleetSurvivesRedisRestart: redis-server killed mid-run: callers keep
// getting valid tokens (each replica fetches on its own) and the errors are
// reported; started again: sharing resumes.
func TestFleetSurvivesRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	if srv.External() {
		t.Skip("REDIS_ADDR: this test stops and starts its own redis-server")
	}
	const replicas, goroutines, keys = 8, 20, 20
	f := newFleet(t, replicas, keys, srv.Addr(), redisstore.Config{})
	require.Equal(t, int64(keys), f.round(t, goroutines), "shared")

	f.clock.Advance(life)
	done := make(chan int64)
	select { // from the round before
	case <-f.asked:
	default:
	}
	go func() { done <- f.round(t, goroutines) }()
	<-f.asked   // the round is under way
	srv.Stop(t) // mid-run
	n := <-done
	f.clock.Advance(life)
	n += f.round(t, goroutines) // Redis down the whole round
	assert.Positive(t, f.errs.Load(), "Store errors reported")
	assert.LessOrEqual(t, n, int64(2*replicas*keys))
	t.Logf("two lifetimes with redis-server stopped mid-run: %s", describe("fetches per key", n, keys))

	srv.Restart(t)
	for _, s := range f.stores { // until each replica's client has reconnected
		require.Eventually(t, func() bool {
			_, err := s.Get(context.Background(), "probe")
			return err == nil
		}, 5*time.Second, 10*time.Millisecond)
	}
	f.clock.Advance(life)
	assert.Equal(t, int64(keys), f.round(t, goroutines), "sharing resumed: one fetch per key")
	assert.Equal(t, int64(1), f.maxPerKey())
}

// TestSlowRedisNoCallerWaitsPastCtx: behind a proxy that holds every
// packet, no caller waits past its ctx. With a short Store timeout they get
// tokens fetched directly; with a long one, their ctx's error in time.
func TestSlowRedisNoCallerWaitsPastCtx(t *testing.T) {
	srv := redistest.Start(t)
	slow := redistest.SlowProxy(t, srv.Addr(), 2*time.Second)
	for _, tc := range []struct {
		name      string
		timeout   time.Duration
		wantToken bool
	}{
		{"store timeout shorter than ctx", 50 * time.Millisecond, true},
		{"store timeout longer than ctx", 10 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.New(redisstore.Config{Client: redistest.Client(t, slow), Keys: [][]byte{testKey(1)}, Prefix: redistest.Prefix(), Timeout: tc.timeout})
			require.NoError(t, err)
			var fetches atomic.Int64
			cache := tokencache.New(tokencache.Config{Store: s, FetchTimeout: 20 * time.Second})
			defer cache.Close()
			const ctxTimeout, slack = 500 * time.Millisecond, 150 * time.Millisecond
			var wg sync.WaitGroup
			var late, failed atomic.Int64
			for g := range 40 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), ctxTimeout)
					defer cancel()
					began := time.Now()
					tok, err := cache.Token(ctx, fmt.Sprint("k", g%5), func(context.Context) (*oauth2.Token, error) {
						fetches.Add(1)
						return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, nil
					})
					if time.Since(began) > ctxTimeout+slack {
						late.Add(1)
					}
					if err != nil || tok == nil {
						failed.Add(1)
						if !tc.wantToken && !errors.Is(err, context.DeadlineExceeded) {
							t.Errorf("want the ctx's error, got %v", err)
						}
					}
				})
			}
			wg.Wait()
			assert.Zero(t, late.Load(), "callers waited past their ctx")
			if tc.wantToken {
				assert.Zero(t, failed.Load(), "callers got tokens fetched directly")
				assert.Equal(t, int64(5), fetches.Load(), "one fetch per key in the replica")
			} else {
				assert.Equal(t, int64(40), failed.Load())
			}
		})
	}
}
