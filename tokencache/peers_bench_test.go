package tokencache_test

// Benchmarks for issue 13's table, each beside x/oauth2's ReuseTokenSource
// and cloud.google.com/go/auth's NewCachedTokenProvider (a test-only
// dependency) in the same run, at 1, 100, 10,000 and 100,000 keys:
//
//	go test -run '^$' -bench 'Peers' -benchmem -cpu 1,2 -count 10 ./tokencache/
//
// (BENCHMARKS.md gives the exact commands of its recorded runs.)

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/auth"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/cachedtokens"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

var peerSizes = []int{1, 100, 10_000, 100_000}

// hourToken and hourAuthToken are the tokens every fetch returns: valid for
// an hour, allocated once, so that a fetch costs nothing of its own.
var (
	hourToken     = &oauth2.Token{AccessToken: "at", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
	hourAuthToken = &auth.Token{Value: "at", Type: "Bearer", Expiry: hourToken.Expiry}
)

func staticFetch(context.Context) (*oauth2.Token, error) { return hourToken, nil }

type staticSource struct{ tok *oauth2.Token }

func (s staticSource) Token() (*oauth2.Token, error) { return s.tok, nil }

type staticProvider struct{ tok *auth.Token }

func (p staticProvider) Token(context.Context) (*auth.Token, error) { return p.tok, nil }

// order returns a random permutation of n indices: every goroutine walks
// it from its own offset, so that the keys are read in the same random
// order by every contender.
func order(n int) []int {
	r := rand.New(rand.NewPCG(1, 2))
	return r.Perm(n)
}

// benchOrder runs f(i) over perm from GOMAXPROCS goroutines.
func benchOrder(b *testing.B, perm []int, f func(i int)) {
	n := len(perm)
	benchParallel(b, func(i int) { f(perm[i%n]) })
}

// BenchmarkPeersKeyedHit: a keyed hit against the floor (a bare Go map read
// of the same keys in the same order) and the peers, one per key in a map.
func BenchmarkPeersKeyedHit(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		keys := benchKeys(n)
		perm := order(n)
		b.Run(fmt.Sprintf("keys=%d/Cache.Token", n), func(b *testing.B) {
			hit, done := cacheHit(b, keys)
			defer done()
			benchOrder(b, perm, hit)
		})
		b.Run(fmt.Sprintf("keys=%d/map", n), func(b *testing.B) { benchOrder(b, perm, mapHit(keys)) })
		b.Run(fmt.Sprintf("keys=%d/mutexmap", n), func(b *testing.B) {
			var mu sync.Mutex
			m := make(map[string]*oauth2.Token, n)
			for _, k := range keys {
				m[k] = hourToken
			}
			var sink atomic.Pointer[oauth2.Token]
			benchOrder(b, perm, func(i int) {
				mu.Lock()
				t := m[keys[i]]
				mu.Unlock()
				if t == nil {
					sink.Store(t)
				}
			})
		})
		b.Run(fmt.Sprintf("keys=%d/ReuseTokenSource", n), func(b *testing.B) {
			m := make(map[string]oauth2.TokenSource, n)
			for _, k := range keys {
				m[k] = oauth2.ReuseTokenSource(nil, staticSource{hourToken})
			}
			benchOrder(b, perm, func(i int) { _, _ = m[keys[i]].Token() })
		})
		b.Run(fmt.Sprintf("keys=%d/google", n), func(b *testing.B) {
			m := make(map[string]auth.TokenProvider, n)
			for _, k := range keys {
				m[k] = auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
			}
			benchOrder(b, perm, func(i int) { _, _ = m[keys[i]].Token(ctx) })
		})
	}
}

// BenchmarkPeersKeyedHitSpread is the keyed hit against the bare map with
// the goroutines spread evenly over the random order (the g-th of k starts
// at g·n/k) instead of 7,919 keys apart: in BenchmarkPeersKeyedHit, with
// -cpu 2, one goroutine reads what the other read 7,919 keys earlier, so
// part of its reads come from a shared cache, which helps whichever reads
// fewer cache lines per lookup. Here neither goroutine follows the other.
func BenchmarkPeersKeyedHitSpread(b *testing.B) {
	for _, n := range peerSizes[2:] {
		keys := benchKeys(n)
		perm := order(n)
		b.Run(fmt.Sprintf("keys=%d/Cache.Token", n), func(b *testing.B) {
			hit, done := cacheHit(b, keys)
			defer done()
			benchSpread(b, perm, hit)
		})
		b.Run(fmt.Sprintf("keys=%d/map", n), func(b *testing.B) { benchSpread(b, perm, mapHit(keys)) })
	}
}

// benchSpread runs f(i) over perm from GOMAXPROCS goroutines, the g-th of k
// starting at g·n/k.
func benchSpread(b *testing.B, perm []int, f func(i int)) {
	n := len(perm)
	var g atomic.Int64
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(g.Add(1)-1) * n / runtime.GOMAXPROCS(0)
		for pb.Next() {
			f(perm[i%n])
			i++
		}
	})
}

// cacheHit fills a Cache with keys and returns a keyed hit of keys[i], and
// the cache's Close.
func cacheHit(b *testing.B, keys []string) (hit func(i int), done func()) {
	ctx := context.Background()
	cache := tokencache.New(tokencache.Config{})
	for _, k := range keys {
		_, err := cache.Token(ctx, k, staticFetch)
		require.NoError(b, err)
	}
	return func(i int) { _, _ = cache.Token(ctx, keys[i], staticFetch) }, func() { _ = cache.Close() }
}

// mapHit fills a bare map with keys and returns a read of keys[i]: the
// floor of a keyed lookup.
func mapHit(keys []string) func(i int) {
	m := make(map[string]*oauth2.Token, len(keys))
	for _, k := range keys {
		m[k] = hourToken
	}
	var sink atomic.Pointer[oauth2.Token]
	return func(i int) {
		if t := m[keys[i]]; t == nil {
			sink.Store(t)
		}
	}
}

// BenchmarkPeersProviderToken: a vendor Provider's Token(ctx) (the
// embedded cachedtokens.ClientCredentials), against the bound
// TokenSource it goes through and the peers' bound sources, one per key.
func BenchmarkPeersProviderToken(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		perm := order(n)
		b.Run(fmt.Sprintf("keys=%d/Provider.Token", n), func(b *testing.B) {
			toks := cachedtokens.New(nil, nil, nil, nil)
			defer toks.Cache().Close()
			ccs := make([]*cachedtokens.ClientCredentials, n)
			for i := range ccs {
				var err error
				ccs[i], err = toks.ClientCredentials(tokencache.KeyParts{Vendor: "webuntis", Tenant: fmt.Sprint("school-", i), ClientID: "c", Flow: "client_credentials"}, staticFetch)
				require.NoError(b, err)
				_, err = ccs[i].Token(ctx)
				require.NoError(b, err)
			}
			benchOrder(b, perm, func(i int) { _, _ = ccs[i].Token(ctx) })
		})
		b.Run(fmt.Sprintf("keys=%d/TokenSource", n), func(b *testing.B) {
			cache := tokencache.New(tokencache.Config{})
			defer cache.Close()
			srcs := make([]oauth2.TokenSource, n)
			for i, k := range benchKeys(n) {
				srcs[i] = cache.TokenSource(k, staticFetch)
				_, err := srcs[i].Token()
				require.NoError(b, err)
			}
			benchOrder(b, perm, func(i int) { _, _ = srcs[i].Token() })
		})
		b.Run(fmt.Sprintf("keys=%d/ReuseTokenSource", n), func(b *testing.B) {
			srcs := make([]oauth2.TokenSource, n)
			for i := range srcs {
				srcs[i] = oauth2.ReuseTokenSource(nil, staticSource{hourToken})
			}
			benchOrder(b, perm, func(i int) { _, _ = srcs[i].Token() })
		})
		b.Run(fmt.Sprintf("keys=%d/google", n), func(b *testing.B) {
			ps := make([]auth.TokenProvider, n)
			for i := range ps {
				ps[i] = auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
			}
			benchOrder(b, perm, func(i int) { _, _ = ps[i].Token(ctx) })
		})
	}
}

// BenchmarkPeersMemory reports the heap held per key (B/key), excluding the
// keys' strings and the tokens, which are allocated beforehand: for the
// peers, one source per key in a map, as a keyed cache needs. Its ns/op is
// the cost of filling all the keys.
func BenchmarkPeersMemory(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		keys := benchKeys(n)
		toks := make([]*oauth2.Token, n)
		atoks := make([]*auth.Token, n)
		for i := range toks {
			toks[i] = &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
			atoks[i] = &auth.Token{Value: "at", Expiry: toks[i].Expiry}
		}
		measure := func(b *testing.B, fill func() (keep any, done func())) {
			var per float64
			for range b.N {
				before := heapAlloc()
				keep, done := fill()
				per = float64(int64(heapAlloc())-int64(before)) / float64(n)
				runtime.KeepAlive(keep)
				done()
			}
			b.ReportMetric(per, "B/key")
		}
		b.Run(fmt.Sprintf("keys=%d/Cache", n), func(b *testing.B) {
			measure(b, func() (any, func()) {
				cache := tokencache.New(tokencache.Config{})
				for i, k := range keys {
					tok := toks[i]
					if _, err := cache.Token(ctx, k, func(context.Context) (*oauth2.Token, error) { return tok, nil }); err != nil {
						b.Fatal(err) // no require per key (see BenchmarkPeersChurn)
					}
				}
				// Checked once measured: require's b.Helper keeps a record
				// on the heap, which the peers' fills do not pay.
				return cache, func() {
					require.Equal(b, n, cache.Len())
					cache.Close()
				}
			})
		})
		b.Run(fmt.Sprintf("keys=%d/ReuseTokenSource", n), func(b *testing.B) {
			measure(b, func() (any, func()) {
				m := make(map[string]oauth2.TokenSource)
				for i, k := range keys {
					s := oauth2.ReuseTokenSource(nil, staticSource{toks[i]})
					_, _ = s.Token()
					m[k] = s
				}
				return m, func() {}
			})
		})
		b.Run(fmt.Sprintf("keys=%d/google", n), func(b *testing.B) {
			measure(b, func() (any, func()) {
				m := make(map[string]auth.TokenProvider)
				for i, k := range keys {
					p := auth.NewCachedTokenProvider(staticProvider{atoks[i]}, &auth.CachedTokenProviderOptions{DisableAsyncRefresh: true})
					_, _ = p.Token(ctx)
					m[k] = p
				}
				return m, func() {}
			})
		})
	}
}

// BenchmarkPeersMiss: one fill per op, on one goroutine: the key is
// invalidated (for the peers: its source replaced, or deleted from the
// naive map) and asked for again. The fetch allocates nothing.
func BenchmarkPeersMiss(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		keys := benchKeys(n)
		b.Run(fmt.Sprintf("keys=%d/Cache", n), func(b *testing.B) {
			cache := tokencache.New(tokencache.Config{})
			defer cache.Close()
			for _, k := range keys {
				_, _ = cache.Token(ctx, k, staticFetch)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i%n]
				_ = cache.Invalidate(ctx, k)
				if _, err := cache.Token(ctx, k, staticFetch); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("keys=%d/naive", n), func(b *testing.B) {
			var mu sync.Mutex
			m := make(map[string]*oauth2.Token, n)
			for _, k := range keys {
				m[k] = hourToken
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i%n]
				mu.Lock()
				delete(m, k)
				mu.Unlock()
				mu.Lock()
				if m[k] == nil {
					t, _ := staticFetch(ctx)
					m[k] = t
				}
				mu.Unlock()
				i++
			}
		})
		b.Run(fmt.Sprintf("keys=%d/ReuseTokenSource", n), func(b *testing.B) {
			m := make(map[string]oauth2.TokenSource, n)
			for _, k := range keys {
				m[k] = oauth2.ReuseTokenSource(nil, staticSource{hourToken})
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i%n]
				s := oauth2.ReuseTokenSource(nil, staticSource{hourToken})
				m[k] = s
				if _, err := s.Token(); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("keys=%d/google", n), func(b *testing.B) {
			m := make(map[string]auth.TokenProvider, n)
			for _, k := range keys {
				m[k] = auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[i%n]
				p := auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
				m[k] = p
				if _, err := p.Token(ctx); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkPeersHitAfterInvalidate: keyed hits in random order on one
// goroutine, one op in 100 invalidating a key and filling it again. Every
// op is timed, which adds about 40 ns to ns/op; worst-µs is the slowest op
// of the run and p99.99-µs the 99.99th percentile.
func BenchmarkPeersHitAfterInvalidate(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		keys := benchKeys(n)
		perm := order(n)
		run := func(b *testing.B, hit func(k string), refill func(k string)) {
			var lat []time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[perm[i%n]]
				t := time.Now()
				if i%100 == 99 {
					refill(k)
				} else {
					hit(k)
				}
				lat = append(lat, time.Since(t))
				i++
			}
			reportLatency(b, lat)
		}
		b.Run(fmt.Sprintf("keys=%d/Cache", n), func(b *testing.B) {
			cache := tokencache.New(tokencache.Config{})
			defer cache.Close()
			for _, k := range keys {
				_, _ = cache.Token(ctx, k, staticFetch)
			}
			run(b, func(k string) { _, _ = cache.Token(ctx, k, staticFetch) }, func(k string) {
				_ = cache.Invalidate(ctx, k)
				_, _ = cache.Token(ctx, k, staticFetch)
			})
		})
		b.Run(fmt.Sprintf("keys=%d/ReuseTokenSource", n), func(b *testing.B) {
			var mu sync.RWMutex
			m := make(map[string]oauth2.TokenSource, n)
			for _, k := range keys {
				m[k] = oauth2.ReuseTokenSource(nil, staticSource{hourToken})
			}
			run(b, func(k string) {
				mu.RLock()
				s := m[k]
				mu.RUnlock()
				_, _ = s.Token()
			}, func(k string) {
				s := oauth2.ReuseTokenSource(nil, staticSource{hourToken})
				mu.Lock()
				m[k] = s
				mu.Unlock()
				_, _ = s.Token()
			})
		})
		b.Run(fmt.Sprintf("keys=%d/google", n), func(b *testing.B) {
			var mu sync.RWMutex
			m := make(map[string]auth.TokenProvider, n)
			for _, k := range keys {
				m[k] = auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
			}
			run(b, func(k string) {
				mu.RLock()
				p := m[k]
				mu.RUnlock()
				_, _ = p.Token(ctx)
			}, func(k string) {
				p := auth.NewCachedTokenProvider(staticProvider{hourAuthToken}, nil)
				mu.Lock()
				m[k] = p
				mu.Unlock()
				_, _ = p.Token(ctx)
			})
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	worst, p := lat[0], make([]time.Duration, len(lat))
	copy(p, lat)
	for _, d := range lat {
		worst = max(worst, d)
	}
	// The 99.99th percentile by partial selection would do; sorting is fine
	// outside the timed loop.
	b.StopTimer()
	sortDurations(p)
	b.ReportMetric(float64(worst)/1e3, "worst-µs")
	b.ReportMetric(float64(p[len(p)*9999/10000])/1e3, "p99.99-µs")
}

// BenchmarkPeersChurn: one op fills n keys with tokens that go stale after
// about 25 ms and expire after 50 ms ("expiring"), or live an hour
// ("longlived"), waits 80 ms in real time, and lets them go. cpu-ms is the
// process's CPU time per op (user and system), goroutines the most running
// at once. The peers hold no timers: their expiring tokens cost nothing
// until asked for.
func BenchmarkPeersChurn(b *testing.B) {
	ctx := context.Background()
	for _, n := range peerSizes {
		keys := benchKeys(n)
		for _, kind := range []string{"expiring", "longlived"} {
			life := 100 * time.Millisecond
			if kind == "longlived" {
				life = time.Hour
			}
			fetch := func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(life)}, nil
			}
			cycle := func(b *testing.B, fill func() func()) {
				var cpu time.Duration
				var peak atomic.Int64
				stop := make(chan struct{})
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					t := time.NewTicker(time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-stop:
							return
						case <-t.C:
							if g := int64(runtime.NumGoroutine()); g > peak.Load() {
								peak.Store(g)
							}
						}
					}
				}()
				for b.Loop() {
					c0 := cpuTime()
					done := fill()
					time.Sleep(80 * time.Millisecond)
					done()
					cpu += cpuTime() - c0
				}
				close(stop)
				<-sampled
				b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms")
				b.ReportMetric(float64(peak.Load()), "goroutines")
			}
			b.Run(fmt.Sprintf("keys=%d/%s/Cache", n, kind), func(b *testing.B) {
				cycle(b, func() func() {
					cache := tokencache.New(tokencache.Config{})
					for _, k := range keys {
						// No require per key: its t.Helper walks the
						// stack, which the peers' loops do not pay.
						if _, err := cache.Token(ctx, k, fetch); err != nil {
							b.Fatal(err)
						}
					}
					return func() { cache.Close() }
				})
			})
			b.Run(fmt.Sprintf("keys=%d/%s/ReuseTokenSource", n, kind), func(b *testing.B) {
				cycle(b, func() func() {
					m := make(map[string]oauth2.TokenSource, n)
					for _, k := range keys {
						s := oauth2.ReuseTokenSource(nil, oauth2.TokenSource(fetchFunc(fetch)))
						_, _ = s.Token()
						m[k] = s
					}
					return func() { clear(m) }
				})
			})
			b.Run(fmt.Sprintf("keys=%d/%s/google", n, kind), func(b *testing.B) {
				cycle(b, func() func() {
					m := make(map[string]auth.TokenProvider, n)
					for _, k := range keys {
						p := auth.NewCachedTokenProvider(authFunc(fetch), nil)
						_, _ = p.Token(ctx)
						m[k] = p
					}
					return func() { clear(m) }
				})
			})
		}
	}
}

// BenchmarkHandOffFloor is the floor under the cache's fill: a fetch run on
// the caller's goroutine, as the peers run it, against the same fetch handed
// to a goroutine waiting for it while the caller waits for its result, the
// least a cache does that releases its callers at FetchTimeout (or when
// their ctx ends) even when the fetch ignores its ctx. Nothing else: no
// table, no entry, no deadline.
func BenchmarkHandOffFloor(b *testing.B) {
	fetch := func() *oauth2.Token {
		return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
	}
	var sink atomic.Pointer[oauth2.Token]
	b.Run("inline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink.Store(fetch())
		}
	})
	b.Run("handoff", func(b *testing.B) {
		type job struct {
			done chan struct{}
			tok  *oauth2.Token
		}
		jobs := make(chan *job)
		defer close(jobs)
		go func() {
			for j := range jobs {
				j.tok = fetch()
				close(j.done)
			}
		}()
		b.ReportAllocs()
		for b.Loop() {
			j := &job{done: make(chan struct{})}
			select {
			case jobs <- j: // the worker waits
			default: // not yet back from the last job: as the cache, a goroutine
				go func() { j.tok = fetch(); close(j.done) }()
			}
			<-j.done
			sink.Store(j.tok)
		}
	})
}

type fetchFunc func(context.Context) (*oauth2.Token, error)

func (f fetchFunc) Token() (*oauth2.Token, error) { return f(context.Background()) }

type authFunc func(context.Context) (*oauth2.Token, error)

func (f authFunc) Token(ctx context.Context) (*auth.Token, error) {
	t, err := f(ctx)
	if err != nil {
		return nil, err
	}
	return &auth.Token{Value: t.AccessToken, Type: "Bearer", Expiry: t.Expiry}, nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func sortDurations(d []time.Duration) { slices.Sort(d) }
