package tokencache_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// benchKeys returns n realistic keys, as Key builds them for WebUntis
// schools (about 60 bytes each).
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = tokencache.Key(tokencache.KeyParts{
			Vendor:     "webuntis",
			Endpoint:   "https://example.webuntis.com/WebUntis/api/sso/token",
			Tenant:     fmt.Sprintf("school-%d", i),
			ClientID:   "client-1",
			Flow:       "client_credentials",
			Scopes:     []string{"openid", "roster.read"},
			Credential: fmt.Sprintf("password-%d", i),
		})
	}
	return keys
}

// hourFetch issues tokens valid for an hour: every benchmarked call is a hit.
func hourFetch(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "at", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

type fetchSource struct{}

func (fetchSource) Token() (*oauth2.Token, error) { return hourFetch(context.Background()) }

// BenchmarkHit compares a hit on one key, from all cores at once, with
// x/oauth2's ReuseTokenSource (a mutex and a clock read per call).
func BenchmarkHit(b *testing.B) {
	ctx := context.Background()
	key := benchKeys(1)[0]

	b.Run("ReuseTokenSource", func(b *testing.B) {
		src := oauth2.ReuseTokenSource(nil, fetchSource{})
		_, err := src.Token()
		require.NoError(b, err)
		benchParallel(b, func(int) { _, _ = src.Token() })
	})
	b.Run("TokenSource", func(b *testing.B) {
		cache := tokencache.New(tokencache.Config{})
		defer cache.Close()
		src := cache.TokenSource(key, hourFetch)
		_, err := src.Token()
		require.NoError(b, err)
		benchParallel(b, func(int) { _, _ = src.Token() })
	})
	b.Run("Token", func(b *testing.B) {
		cache := tokencache.New(tokencache.Config{})
		defer cache.Close()
		_, err := cache.Token(ctx, key, hourFetch)
		require.NoError(b, err)
		benchParallel(b, func(int) { _, _ = cache.Token(ctx, key, hourFetch) })
	})
}

// BenchmarkKeys compares a keyed hit in a cache of 1 key and of 10,000 keys,
// with the same loop: each goroutine walks the keys from its own offset.
// "key" keys are what Key builds (about 60 bytes), "short" ones 20 bytes.
// Go maps of up to 8 keys may find a key without hashing it; key/16 shows
// the cost of a map that hashes, as larger ones do.
func BenchmarkKeys(b *testing.B) {
	ctx := context.Background()
	for _, kind := range []string{"key", "short"} {
		for _, n := range []int{1, 16, 10_000} {
			if kind == "short" && n == 16 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				keys := benchKeys(n)
				if kind == "short" {
					for i := range keys {
						keys[i] = fmt.Sprintf("webuntis/school-%d", i)
					}
				}
				cache := tokencache.New(tokencache.Config{})
				defer cache.Close()
				for _, k := range keys {
					_, err := cache.Token(ctx, k, hourFetch)
					require.NoError(b, err)
				}
				benchParallel(b, func(i int) { _, _ = cache.Token(ctx, keys[i%n], hourFetch) })
			})
		}
	}
	// Bound sources skip the lookup: their cost does not grow with the keys.
	for _, n := range []int{1, 10_000} {
		b.Run(fmt.Sprintf("source/%d", n), func(b *testing.B) {
			cache := tokencache.New(tokencache.Config{})
			defer cache.Close()
			sources := make([]oauth2.TokenSource, n)
			for i, k := range benchKeys(n) {
				sources[i] = cache.TokenSource(k, hourFetch)
				_, err := sources[i].Token()
				require.NoError(b, err)
			}
			benchParallel(b, func(i int) { _, _ = sources[i%n].Token() })
		})
	}
}

// benchParallel runs f from GOMAXPROCS goroutines, each with its own counter
// starting at a spread-out offset.
func benchParallel(b *testing.B, f func(i int)) {
	var seed atomic.Int64
	runtime.GC() // not the garbage of the benchmark's set-up, such as 100,000 fills
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seed.Add(7919))
		for pb.Next() {
			f(i)
			i++
		}
	})
}

// BenchmarkMemoryPerEntry reports the heap a cache holds per key, for
// 10,000 keys with their timers, excluding the keys' strings and the
// tokens themselves (the caller owns those).
func BenchmarkMemoryPerEntry(b *testing.B) {
	const n = 10_000
	keys := benchKeys(n)
	ctx := context.Background()
	var perEntry float64
	for range b.N {
		toks := make([]*oauth2.Token, n)
		for i := range toks {
			toks[i] = &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}
		}
		before := heapAlloc()
		cache := tokencache.New(tokencache.Config{})
		for i, k := range keys {
			tok := toks[i]
			_, err := cache.Token(ctx, k, func(context.Context) (*oauth2.Token, error) { return tok, nil })
			require.NoError(b, err)
		}
		require.Equal(b, n, cache.Len())
		after := heapAlloc()
		perEntry = float64(after-before) / n
		runtime.KeepAlive(toks)
		cache.Close()
	}
	b.ReportMetric(perEntry, "B/entry")
}

func heapAlloc() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
