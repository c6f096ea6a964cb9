package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
)

// BenchmarkL1Hit: a fresh token served from the cache's memory, with and
// without a Store behind it: a hit never touches Redis.
func BenchmarkL1Hit(b *testing.B) {
	srv := redistest.Start(b)
	for _, name := range []string{"memory", "redisstore"} {
		b.Run(name, func(b *testing.B) {
			var cfg tokencache.Config
			if name == "redisstore" {
				cfg.Store = newStore(b, srv, redistest.Prefix(), redisstore.Config{})
			}
			cache := tokencache.New(cfg)
			defer cache.Close()
			fetch := func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, nil
			}
			ctx := context.Background()
			_, err := cache.Token(ctx, "k", fetch)
			require.NoError(b, err)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := cache.Token(ctx, "k", fetch); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}

// BenchmarkL2Hit: reading and opening a sealed token from Redis on
// loopback, what a replica pays to adopt another's token instead of
// fetching one; -2KiB: a token with a JWT access token, about 2 KiB sealed.
func BenchmarkL2Hit(b *testing.B) {
	srv := redistest.Start(b)
	small := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}
	jwt := &oauth2.Token{AccessToken: strings.Repeat("eyJhbGciOiJSUzI1NiJ9", 70), TokenType: "Bearer", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour), ExpiresIn: 3600}
	for _, name := range []string{"sealed", "plaintext", "sealed-ContextTimeoutEnabled", "sealed-2KiB"} {
		b.Run(name, func(b *testing.B) {
			cfg := redisstore.Config{InsecurePlaintext: name == "plaintext"}
			if name == "sealed-ContextTimeoutEnabled" {
				// A client that ends a call at its ctx's deadline: Get
				// then runs on the caller's goroutine.
				cfg.Client = redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
				b.Cleanup(func() { cfg.Client.Close() })
			}
			s := newStore(b, srv, redistest.Prefix(), cfg)
			ctx := context.Background()
			tok := small
			if name == "sealed-2KiB" {
				tok = jwt
			}
			ok, err := s.CompareAndSwap(ctx, "k", "", tok, time.Hour)
			require.NoError(b, err)
			require.True(b, ok)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if st, err := s.Get(ctx, "k"); err != nil || st.Token == nil {
					b.Fatal("no token")
				}
			}
		})
	}
	// The floor: go-redis's GET of the same sealed bytes, under the name
	// the Store keeps them by, and nothing else.
	for _, name := range []string{"go-redis-GET", "go-redis-GET-2KiB"} {
		b.Run(name, func(b *testing.B) {
			pre := redistest.Prefix()
			client := srv.Client(b)
			s := newStore(b, srv, pre, redisstore.Config{Client: client})
			ctx := context.Background()
			tok := small
			if name == "go-redis-GET-2KiB" {
				tok = jwt
			}
			ok, err := s.CompareAndSwap(ctx, "k", "", tok, time.Hour)
			require.NoError(b, err)
			require.True(b, ok)
			sum := sha256.Sum256([]byte("k"))
			name := pre + "{" + base64.RawURLEncoding.EncodeToString(sum[:16]) + "}:t"
			v, err := client.Get(ctx, name).Result()
			require.NoError(b, err)
			require.True(b, strings.HasPrefix(v, "ot1s."), "the sealed value")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := client.Get(ctx, name).Result(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFleet: 8 replicas × 200 goroutines on 100 keys over 3 token
// lifetimes, with the Store and without it: the upstream fetches per key
// per lifetime (fetches/key/life) is the figure; ns/op is one whole run.
func BenchmarkFleet(b *testing.B) {
	srv := redistest.Start(b)
	const replicas, goroutines, keys, lifetimes = 8, 200, 100, 3
	for _, name := range []string{"redisstore", "nostore"} {
		b.Run(name, func(b *testing.B) {
			addr := srv.Addr()
			if name == "nostore" {
				addr = ""
			}
			var fetches int64
			runs := 0
			for b.Loop() {
				f := newFleet(b, replicas, keys, addr, redisstore.Config{})
				for i := range lifetimes {
					if i > 0 {
						f.clock.Advance(life)
					}
					fetches += f.round(b, goroutines)
				}
				runs++
			}
			b.ReportMetric(float64(fetches)/float64(runs*keys*lifetimes), "fetches/key/life")
		})
	}
}
