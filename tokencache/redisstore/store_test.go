package redisstore_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
)

func newStore(t testing.TB, srv *redistest.Server, pre string, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = srv.Client(t)
	}
	if cfg.Keys == nil && !cfg.InsecurePlaintext {
		cfg.Keys = [][]byte{testKey(1)}
	}
	cfg.Prefix = pre
	s, err := redisstore.New(cfg)
	require.NoError(t, err)
	return s
}

func TestNewValidates(t *testing.T) {
	c := redistest.Client(t, "127.0.0.1:1")
	for name, cfg := range map[string]redisstore.Config{
		"no client":          {Keys: [][]byte{testKey(1)}},
		"no keys":            {Client: c},
		"short key":          {Client: c, Keys: [][]byte{[]byte("short")}},
		"keys and plaintext": {Client: c, Keys: [][]byte{testKey(1)}, InsecurePlaintext: true},
		"brace in prefix":    {Client: c, Keys: [][]byte{testKey(1)}, Prefix: "a{b}:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := redisstore.New(cfg)
			assert.Error(t, err)
		})
	}
	_, err := redisstore.New(redisstore.Config{Client: c, InsecurePlaintext: true})
	assert.NoError(t, err)
}

// TestStoreRoundTrip: what is written is read back, with its ID token; a
// write against an old revision fails; Delete removes.
func TestStoreRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, redistest.Prefix(), redisstore.Config{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Round(0).UTC()
	tok := (&oauth2.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: exp, ExpiresIn: 3600}).
		WithExtra(map[string]any{"id_token": "idt-1"})

	st, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tokencache.Stored{}, st)

	ok, err := s.CompareAndSwap(ctx, "k", "", tok, time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	st, err = s.Get(ctx, "k")
	require.NoError(t, err)
	require.NotNil(t, st.Token)
	assert.NotEmpty(t, st.Rev)
	assert.True(t, st.Token.AccessToken == "at-1" && st.Token.RefreshToken == "rt-1" && st.Token.TokenType == "Bearer", "token fields round-trip")
	assert.True(t, st.Token.Expiry.Equal(exp))
	assert.Equal(t, int64(3600), st.Token.ExpiresIn)
	assert.Equal(t, "idt-1", st.Token.Extra("id_token"))

	ok, err = s.CompareAndSwap(ctx, "k", "", tok, time.Hour)
	require.NoError(t, err)
	assert.False(t, ok, "no entry expected, but there is one")
	ok, err = s.CompareAndSwap(ctx, "k", st.Rev, &oauth2.Token{AccessToken: "at-2"}, time.Hour)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.CompareAndSwap(ctx, "k", st.Rev, tok, time.Hour)
	require.NoError(t, err)
	assert.False(t, ok, "the revision moved on")

	require.NoError(t, s.Delete(ctx, "k"))
	require.NoError(t, s.Delete(ctx, "k"), "deleting a missing key")
	st, err = s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, st.Token)
}

// TestStoreLeaseOwnedByOne: one holder at a time; only the owner releases;
// a lease expires.
func TestStoreLeaseOwnedByOne(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	a, b := newStore(t, srv, pre, redisstore.Config{}), newStore(t, srv, pre, redisstore.Config{})
	ctx := context.Background()

	releaseA, err := a.Lease(ctx, "k", 200*time.Millisecond)
	require.NoError(t, err)
	_, err = b.Lease(ctx, "k", time.Second)
	require.ErrorIs(t, err, tokencache.ErrLeaseHeld)

	var releaseB func(context.Context) error
	require.Eventually(t, func() bool { // A's lease expires; B takes it
		releaseB, err = b.Lease(ctx, "k", time.Minute)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "B never took the lease A left to expire")
	require.NoError(t, releaseA(ctx), "a late release")
	_, err = a.Lease(ctx, "k", time.Second)
	require.ErrorIs(t, err, tokencache.ErrLeaseHeld, "A's late release left B's lease alone")
	require.NoError(t, releaseB(ctx))
	release, err := a.Lease(ctx, "k", time.Second)
	require.NoError(t, err)
	require.NoError(t, release(ctx))
}

// TestRedisKeyNamesHoldNoSecrets: key names hold no tenant, user,
// credential or token; values hold no token in clear; both keys of one
// token share a hash tag; entries expire with the token (a refresh token
// is kept longer).
func TestRedisKeyNamesHoldNoSecrets(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	s := newStore(t, srv, pre, redisstore.Config{KeepRefreshToken: time.Hour})
	rdb := srv.Client(t)
	ctx := context.Background()
	secrets := []string{"school-4711", "alice@example.com", "credential-pw-1", "access-token-1", "refresh-token-1"}
	key := tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", Tenant: secrets[0], ClientID: "app", Flow: "refresh_token", User: secrets[1], Credential: secrets[2]})

	ok, err := s.CompareAndSwap(ctx, key, "", &oauth2.Token{AccessToken: secrets[3], RefreshToken: secrets[4], Expiry: time.Now().Add(time.Minute)}, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	release, err := s.Lease(ctx, key, time.Minute)
	require.NoError(t, err)
	defer func() { _ = release(ctx) }()

	names, err := rdb.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	require.Len(t, names, 2)
	tags := map[string]bool{}
	for _, name := range names {
		providertest.Text(t, "a Redis key name", name, secrets...)
		open, end := strings.Index(name, "{"), strings.Index(name, "}")
		require.True(t, open > 0 && end > open+1, "hash tag in the key name")
		tags[name[open:end+1]] = true
		if strings.HasSuffix(name, ":t") {
			v, err := rdb.Get(ctx, name).Result()
			require.NoError(t, err)
			providertest.Text(t, "the stored value", v, secrets...)
			ttl, err := rdb.PTTL(ctx, name).Result()
			require.NoError(t, err)
			assert.InDelta(t, (time.Hour + time.Minute).Seconds(), ttl.Seconds(), 5, "expires with the token, plus KeepRefreshToken")
		}
	}
	assert.Len(t, tags, 1, "token and lease in one slot")
}

// TestUnreadableEntryIsAMiss: a tampered, foreign-keyed, garbage, older-
// format or misplaced entry is a miss with an error (ErrUnreadable), never
// a crash or a wrong token; the cache reports it, fetches, and replaces it.
func TestUnreadableEntryIsAMiss(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	good := &oauth2.Token{AccessToken: "stored-at", Expiry: time.Now().Add(time.Hour)}

	cases := map[string]func(t *testing.T, pre string) (raw string){
		"tampered ciphertext": func(t *testing.T, pre string) string {
			raw := sealedValue(t, srv, pre, redisstore.Config{}, "k", good)
			i := len(raw) - 5
			c := byte('A')
			if raw[i] == 'A' {
				c = 'B'
			}
			return raw[:i] + string(c) + raw[i+1:]
		},
		"wrong key": func(t *testing.T, pre string) string {
			return sealedValue(t, srv, pre, redisstore.Config{Keys: [][]byte{testKey(9)}}, "k", good)
		},
		"sealed for another cache key": func(t *testing.T, pre string) string {
			return sealedValue(t, srv, pre, redisstore.Config{}, "other", good)
		},
		"plaintext in a sealed store": func(t *testing.T, pre string) string {
			return sealedValue(t, srv, pre, redisstore.Config{InsecurePlaintext: true}, "k", good)
		},
		"garbage":           func(*testing.T, string) string { return "\x00\xffgarbage" },
		"empty":             func(*testing.T, string) string { return "" },
		"older format":      func(*testing.T, string) string { return `{"access_token":"stored-at","expiry":"2099-01-01T00:00:00Z"}` },
		"older version tag": func(*testing.T, string) string { return "ot0s.AAAA" },
		"sealed, truncated": func(t *testing.T, pre string) string {
			return sealedValue(t, srv, pre, redisstore.Config{}, "k", good)[:12]
		},
		"tag only": func(*testing.T, string) string { return "ot1s." },
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			pre := redistest.Prefix()
			s := newStore(t, srv, pre, redisstore.Config{})
			raw := value(t, pre)
			require.NoError(t, rdb.Set(ctx, tokenName(t, srv, pre, "k"), raw, time.Hour).Err())

			st, err := s.Get(ctx, "k")
			require.ErrorIs(t, err, redisstore.ErrUnreadable)
			assert.Nil(t, st.Token)
			assert.NotEmpty(t, st.Rev, "the entry's revision, so that it can be replaced")
			providertest.Formatted(t, []any{err}, "stored-at")

			var mu sync.Mutex
			var errs []error
			cache := tokencache.New(tokencache.Config{Store: s, OnError: func(_ string, err error) {
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
			}})
			defer cache.Close()
			tok, err := cache.Token(ctx, "k", func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "fetched-at", Expiry: time.Now().Add(time.Hour)}, nil
			})
			require.NoError(t, err)
			assert.True(t, tok.AccessToken == "fetched-at", "fetched, not the unreadable entry")
			mu.Lock()
			require.NotEmpty(t, errs)
			assert.ErrorIs(t, errs[0], redisstore.ErrUnreadable)
			assert.ErrorContains(t, errs[0], "tokencache: store get")
			mu.Unlock()

			st, err = s.Get(ctx, "k")
			require.NoError(t, err, "replaced by the fetched token")
			assert.True(t, st.Token.AccessToken == "fetched-at")
		})
	}
}

// sealedValue is the raw value a Store configured by cfg writes for tok
// under key.
func sealedValue(t *testing.T, srv *redistest.Server, pre string, cfg redisstore.Config, key string, tok *oauth2.Token) string {
	t.Helper()
	tmp := redistest.Prefix()
	s := newStore(t, srv, tmp, cfg)
	ok, err := s.CompareAndSwap(context.Background(), key, "", tok, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	raw, err := srv.Client(t).Get(context.Background(), tokenName(t, srv, tmp, key)).Result()
	require.NoError(t, err)
	return raw
}

// tokenName finds the Redis name of key's token under pre by writing a
// throwaway entry with a plaintext store.
func tokenName(t *testing.T, srv *redistest.Server, pre, key string) string {
	t.Helper()
	probe := redistest.Prefix()
	s := newStore(t, srv, probe, redisstore.Config{InsecurePlaintext: true})
	rdb := srv.Client(t)
	ctx := context.Background()
	ok, err := s.CompareAndSwap(ctx, key, "", &oauth2.Token{AccessToken: "probe"}, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	names, err := rdb.Keys(ctx, probe+"*").Result()
	require.NoError(t, err)
	require.Len(t, names, 1)
	require.NoError(t, rdb.Del(ctx, names[0]).Err())
	return pre + strings.TrimPrefix(names[0], probe)
}

// TestOversizeEntryRefusedUnread: a 64 MiB value under a token's name is
// ErrUnreadable without being read (the Store allocates next to nothing for
// it), carries a revision so that the next fetch replaces it, and the cache
// fetches and replaces it.
func TestOversizeEntryRefusedUnread(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	pre := redistest.Prefix()
	s := newStore(t, srv, pre, redisstore.Config{})
	name := tokenName(t, srv, pre, "k")
	const size = 64 << 20
	require.NoError(t, rdb.SetRange(ctx, name, size-1, "x").Err(), "a 64 MiB value, made in Redis")
	t.Cleanup(func() { _ = rdb.Del(context.Background(), name).Err() })

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := s.Get(ctx, "k")
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, redisstore.ErrUnreadable)
	assert.Nil(t, st.Token)
	assert.NotEmpty(t, st.Rev, "the entry's revision, so that it can be replaced")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated by Get: the value must not be read")

	cache := tokencache.New(tokencache.Config{Store: s})
	defer cache.Close()
	tok, err := cache.Token(ctx, "k", func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "fetched-at", Expiry: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	assert.True(t, tok.AccessToken == "fetched-at")
	n, err := rdb.StrLen(ctx, name).Result()
	require.NoError(t, err)
	assert.Less(t, n, int64(64<<10), "replaced by the fetched token")
}
