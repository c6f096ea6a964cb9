package redisstore_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/web/webtest"
)

// nameKey is the SessionConfig.NameKey of the tests.
var nameKey = testKey(100)

// functionalTimeout is the SessionConfig.Timeout of the tests of what the
// store does rather than how long it takes: generous, since the two CPUs
// of CI are shared with other test binaries (the bound itself is
// TestSessionStoreRedisFailureIsNotLogout's).
const functionalTimeout = 2 * time.Second

func newSessionStore(t testing.TB, c redis.UniversalClient, pre string, keys ...[]byte) *redisstore.SessionStore {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{testKey(1)}
	}
	s, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: c, Keys: keys, NameKey: nameKey, Prefix: pre, Timeout: functionalTimeout})
	require.NoError(t, err)
	return s
}

func sessionTokens(access string, refs ...string) *web.StoredTokens {
	exp := time.Now().Add(time.Hour)
	return &web.StoredTokens{
		Token:   (&oauth2.Token{AccessToken: access, RefreshToken: "rt-" + access, TokenType: "Bearer", Expiry: exp.Truncate(time.Second)}).WithExtra(map[string]any{"id_token": "idt-" + access}),
		IDToken: "idt-" + access,
		Expires: exp,
		Seen:    time.Now().Truncate(time.Second),
		Refs:    refs,
	}
}

func TestNewSessionStoreValidates(t *testing.T) {
	c := redistest.Client(t, "127.0.0.1:1")
	for name, cfg := range map[string]redisstore.SessionConfig{
		"no client":           {Keys: [][]byte{testKey(1)}, NameKey: nameKey},
		"no keys":             {Client: c, NameKey: nameKey},
		"short key":           {Client: c, Keys: [][]byte{[]byte("short")}, NameKey: nameKey},
		"no name key":         {Client: c, Keys: [][]byte{testKey(1)}},
		"short name key":      {Client: c, Keys: [][]byte{testKey(1)}, NameKey: []byte("short")},
		"name key is a key":   {Client: c, Keys: [][]byte{testKey(1), testKey(2)}, NameKey: testKey(2)},
		"brace in the prefix": {Client: c, Keys: [][]byte{testKey(1)}, NameKey: nameKey, Prefix: "a{b}:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := redisstore.NewSessionStore(cfg)
			assert.Error(t, err)
		})
	}
	_, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: c, Keys: [][]byte{testKey(1)}, NameKey: nameKey})
	assert.NoError(t, err)
}

// TestSessionStoreContract: the web.TokenStore contract on one
// redis-server, each store a replica with a client of its own.
func TestSessionStoreContract(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	webtest.TestTokenStore(t, func(t *testing.T) web.TokenStore {
		return newSessionStore(t, redistest.Client(t, srv.Addr()), pre)
	}, true)
}

// TestSessionStoreContractCluster: the contract on a Redis Cluster of
// three masters: every script's keys share a slot, and the index and
// single-use keys live in slots of their own.
func TestSessionStoreContractCluster(t *testing.T) {
	addrs := redistest.StartCluster(t).Addrs()
	pre := redistest.Prefix()
	webtest.TestTokenStore(t, func(t *testing.T) web.TokenStore {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = c.Close() })
		return newSessionStore(t, c, pre)
	}, true)
}

// TestSessionStoreHoldsNoSecretsInRedis: after a session is saved, touched,
// leased and a single-use key recorded, no key name, string value or set
// member in Redis holds the session ID, the subject, the tenant, a token,
// the single-use key, nor their base64, base64url or hex encodings.
func TestSessionStoreHoldsNoSecretsInRedis(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	pre := redistest.Prefix()
	s := newSessionStore(t, rdb, pre)
	ctx := context.Background()

	const (
		sessionID = "session-id-Zq8vN3kLp0"
		subject   = "subject-alice-4711"
		tenant    = "tenant-school-0815"
		jti       = "jti-logout-7c1e5a"
	)
	st := sessionTokens("access-token-9f8e7d")
	st.Token = (&oauth2.Token{AccessToken: "access-token-9f8e7d", RefreshToken: "refresh-token-6c5b4a", Expiry: time.Now().Add(time.Hour)}).
		WithExtra(map[string]any{"id_token": "id-token-3a2b1c"})
	st.IDToken = "id-token-3a2b1c"
	st.Refs = []string{"webuntis\x00" + tenant + "\x00" + subject, "webuntis\x00" + tenant + "\x00" + subject + "\x00sid-1"}
	require.NoError(t, s.Save(ctx, sessionID, st))
	require.NoError(t, s.Touch(ctx, sessionID, time.Now()))
	release, err := s.Lease(ctx, sessionID, time.Minute)
	require.NoError(t, err)
	defer func() { _ = release(ctx) }()
	first, err := s.Once(ctx, jti, time.Minute)
	require.NoError(t, err)
	require.True(t, first)

	secrets := []string{sessionID, subject, tenant, jti, "access-token-9f8e7d", "refresh-token-6c5b4a", "id-token-3a2b1c"}
	for _, sec := range secrets[:len(secrets):len(secrets)] {
		secrets = append(secrets, hex.EncodeToString([]byte(sec)))
	}
	names, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, name := range names {
		if !strings.HasPrefix(name, pre) {
			continue // another test's, on a shared REDIS_ADDR
		}
		providertest.Text(t, "a Redis key name", name, secrets...)
		kinds[name[strings.LastIndex(name, ":"):]]++
		typ, err := rdb.Type(ctx, name).Result()
		require.NoError(t, err)
		switch typ {
		case "string":
			v, err := rdb.Get(ctx, name).Result()
			require.NoError(t, err)
			providertest.Text(t, "a stored value", v, secrets...)
		case "zset":
			members, err := rdb.ZRange(ctx, name, 0, -1).Result()
			require.NoError(t, err)
			for _, m := range members {
				providertest.Text(t, "an index member", m, secrets...)
			}
		default:
			t.Errorf("a key of type %s", typ)
		}
	}
	assert.Equal(t, map[string]int{":s": 1, ":w": 1, ":l": 1, ":i": 2, ":o": 1}, kinds, "record, seen, lease, two indexes, one single-use key")
}

// TestSessionStoreNamesAreKeyed: key names are keyed hashes, not plain
// ones that anyone could compute from a guessed subject or tenant: the same
// session and ref under another NameKey have other names (and the leak
// check above cannot see an unkeyed hash, so this one does).
func TestSessionStoreNamesAreKeyed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	pre := redistest.Prefix()
	ctx := context.Background()
	a := newSessionStore(t, rdb, pre)
	b, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: rdb, Keys: [][]byte{testKey(1)}, NameKey: testKey(101), Prefix: pre, Timeout: functionalTimeout})
	require.NoError(t, err)
	require.NoError(t, a.Save(ctx, "sid", sessionTokens("a1", "webuntis\x00tenant\x00subject")))
	require.NoError(t, b.Save(ctx, "sid", sessionTokens("b1", "webuntis\x00tenant\x00subject")))

	names, err := rdb.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	assert.Len(t, names, 4, "a record and an index for each NameKey")
	got, err := a.Load(ctx, "sid")
	require.NoError(t, err)
	assert.Equal(t, "a1", got.Token.AccessToken)
	got, err = b.Load(ctx, "sid")
	require.NoError(t, err)
	assert.Equal(t, "b1", got.Token.AccessToken)
}

// TestSessionStoreExpiry: the record, its seen time and its lease expire
// with the session; the index sets live at least as long; a session saved
// past its end leaves nothing.
func TestSessionStoreExpiry(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	pre := redistest.Prefix()
	s := newSessionStore(t, rdb, pre)
	ctx := context.Background()

	long := sessionTokens("a1", "ref-long")
	long.Expires = time.Now().Add(2 * time.Hour)
	require.NoError(t, s.Save(ctx, "long", long))
	short := sessionTokens("a2", "ref-long")
	short.Expires = time.Now().Add(time.Hour)
	require.NoError(t, s.Save(ctx, "short", short))
	require.NoError(t, s.Touch(ctx, "short", time.Now()))

	names, err := rdb.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	var records []time.Duration
	for _, name := range names {
		ttl, err := rdb.PTTL(ctx, name).Result()
		require.NoError(t, err)
		switch {
		case strings.HasSuffix(name, ":s"):
			records = append(records, ttl)
		case strings.HasSuffix(name, ":w"):
			assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 5, "the seen time expires with its record")
		case strings.HasSuffix(name, ":i"):
			assert.InDelta(t, (2 * time.Hour).Seconds(), ttl.Seconds(), 5, "the index lives as long as its longest session")
		}
	}
	require.Len(t, records, 2)
	assert.InDelta(t, (3 * time.Hour).Seconds(), (records[0] + records[1]).Seconds(), 10, "each record expires at its session's end")

	past := sessionTokens("a3", "ref-past")
	past.Expires = time.Now().Add(-time.Second)
	require.NoError(t, s.Save(ctx, "long", past))
	_, err = s.Load(ctx, "long")
	require.ErrorIs(t, err, web.ErrNoTokens, "saved past its end: gone")
	n, err := s.DeleteRef(ctx, "ref-long")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the short session is left under the ref")
	left, err := rdb.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	assert.Empty(t, left, "nothing left")
}

// TestSessionStoreIndexDropsEndedSessions: the index of a user who logs in
// often and never logs out holds their live sessions, not every login: a
// Save under a ref drops the entries of sessions that have ended.
func TestSessionStoreIndexDropsEndedSessions(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	pre := redistest.Prefix()
	s := newSessionStore(t, rdb, pre)
	ctx := context.Background()

	require.NoError(t, s.Save(ctx, "a", sessionTokens("a1", "ref-user")))
	names, err := rdb.Keys(ctx, pre+"*:i").Result()
	require.NoError(t, err)
	require.Len(t, names, 1)
	ended := strings.Repeat("A", 22) // a session that ended a second ago, its record long gone
	require.NoError(t, rdb.ZAdd(ctx, names[0], redis.Z{Score: float64(time.Now().Add(-time.Second).UnixMilli()), Member: ended}).Err())

	require.NoError(t, s.Save(ctx, "b", sessionTokens("b1", "ref-user")))
	members, err := rdb.ZRange(ctx, names[0], 0, -1).Result()
	require.NoError(t, err)
	assert.Len(t, members, 2, "the two live sessions")
	assert.NotContains(t, members, ended)
}

// TestSessionStoreDeleteRefManySessions: an index too large for one ZSCAN
// reply (past Redis's compact encoding, 128 entries) is walked page by page
// to its end; each session is ended and counted once.
func TestSessionStoreDeleteRefManySessions(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	pre := redistest.Prefix()
	s := newSessionStore(t, rdb, pre)
	ctx := context.Background()
	const sessions = 300
	for i := range sessions {
		require.NoError(t, s.Save(ctx, fmt.Sprintf("sid-%d", i), sessionTokens("a1", "ref-busy")))
	}
	require.NoError(t, s.Save(ctx, "other", sessionTokens("a1", "ref-other")))
	n, err := s.DeleteRef(ctx, "ref-busy")
	require.NoError(t, err)
	assert.Equal(t, sessions, n)
	left, err := rdb.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	assert.Len(t, left, 2, "only the other session's record and index")
	n, err = s.DeleteRef(ctx, "ref-busy")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// TestSessionStoreUnreadableRecord: a record that does not open is no
// session (ErrNoTokens, so the user logs in again) and ErrUnreadable, with
// no token in the error, never a panic nor another session's tokens.
func TestSessionStoreUnreadableRecord(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()

	// saved stores a session under sid with a store of keys and returns
	// its record's name and value.
	saved := func(t *testing.T, pre, sid string, keys ...[]byte) (name, value string) {
		t.Helper()
		require.NoError(t, newSessionStore(t, rdb, pre, keys...).Save(ctx, sid, sessionTokens("stored-access-token")))
		names, err := rdb.Keys(ctx, pre+"*:s").Result()
		require.NoError(t, err)
		for _, n := range names {
			v, err := rdb.Get(ctx, n).Result()
			require.NoError(t, err)
			name, value = n, v
		}
		require.NoError(t, rdb.Del(ctx, names...).Err())
		return name, value
	}
	cases := map[string]func(t *testing.T, pre string) (name string, write func() error){
		"tampered": func(t *testing.T, pre string) (string, func() error) {
			name, v := saved(t, pre, "sid")
			i := len(v) - 5
			c := byte('A')
			if v[i] == 'A' {
				c = 'B'
			}
			return name, func() error { return rdb.Set(ctx, name, v[:i]+string(c)+v[i+1:], time.Hour).Err() }
		},
		"sealed with an unknown key": func(t *testing.T, pre string) (string, func() error) {
			name, v := saved(t, pre, "sid", testKey(9))
			return name, func() error { return rdb.Set(ctx, name, v, time.Hour).Err() }
		},
		"another session's record": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			_, other := saved(t, pre, "another")
			return name, func() error { return rdb.Set(ctx, name, other, time.Hour).Err() }
		},
		"truncated": func(t *testing.T, pre string) (string, func() error) {
			name, v := saved(t, pre, "sid")
			return name, func() error { return rdb.Set(ctx, name, v[:len(v)/2], time.Hour).Err() }
		},
		"garbage": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			return name, func() error { return rdb.Set(ctx, name, "\x00\xffgarbage", time.Hour).Err() }
		},
		"empty": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			return name, func() error { return rdb.Set(ctx, name, "", time.Hour).Err() }
		},
		"tag only": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			return name, func() error { return rdb.Set(ctx, name, "os1s.", time.Hour).Err() }
		},
		"a set, not a string": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			return name, func() error { return rdb.SAdd(ctx, name, "stored-access-token").Err() }
		},
		"too large": func(t *testing.T, pre string) (string, func() error) {
			name, _ := saved(t, pre, "sid")
			return name, func() error { return rdb.Set(ctx, name, strings.Repeat("x", 65<<10), time.Hour).Err() }
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pre := redistest.Prefix()
			record, write := tc(t, pre)
			require.NotEmpty(t, record)
			require.NoError(t, write())
			s := newSessionStore(t, rdb, pre)

			got, err := s.Load(ctx, "sid")
			require.ErrorIs(t, err, web.ErrNoTokens, "the user logs in again")
			require.ErrorIs(t, err, redisstore.ErrUnreadable, "and the log says why")
			assert.Nil(t, got)
			providertest.Formatted(t, []any{err}, "stored-access-token", "rt-stored-access-token")
			require.NoError(t, s.Replace(ctx, "sid", sessionTokens("next")), "Replace of an unreadable record overwrites it")
			got, err = s.Load(ctx, "sid")
			require.NoError(t, err)
			assert.Equal(t, "next", got.Token.AccessToken)
			require.NoError(t, s.Delete(ctx, "sid"))
			_, err = s.Load(ctx, "sid")
			require.ErrorIs(t, err, web.ErrNoTokens)
			require.False(t, errors.Is(err, redisstore.ErrUnreadable), "gone, not unreadable")
		})
	}
}

// TestSessionStoreOversizeRecordIsNotRead: a record larger than the limit,
// written by someone else, is refused without being read: through a proxy
// that counts the bytes Redis sends, Load, Replace and Delete receive a
// few hundred bytes of a megabyte record. (A Load by plain GET receives
// the megabyte.)
func TestSessionStoreOversizeRecordIsNotRead(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	pre := redistest.Prefix()
	proxy, received := countingProxy(t, srv.Addr())
	s := newSessionStore(t, redistest.Client(t, proxy), pre)
	require.NoError(t, s.Save(ctx, "sid", sessionTokens("a1", "ref-1")))
	names, err := rdb.Keys(ctx, pre+"*:s").Result()
	require.NoError(t, err)
	require.Len(t, names, 1)
	const huge = 1 << 20
	require.NoError(t, rdb.Set(ctx, names[0], strings.Repeat("x", huge), time.Hour).Err())

	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"Load", func() error { _, err := s.Load(ctx, "sid"); return err }},
		{"Touch", func() error { return s.Touch(ctx, "sid", time.Now()) }},
		{"Replace", func() error { return s.Replace(ctx, "sid", sessionTokens("a2", "ref-1")) }},
		{"Delete", func() error {
			require.NoError(t, rdb.Set(ctx, names[0], strings.Repeat("x", huge), time.Hour).Err())
			return s.Delete(ctx, "sid")
		}},
		{"DeleteRef", func() error {
			require.NoError(t, s.Save(ctx, "sid", sessionTokens("a3", "ref-1")))
			require.NoError(t, rdb.Set(ctx, names[0], strings.Repeat("x", huge), time.Hour).Err())
			n, err := s.DeleteRef(ctx, "ref-1")
			assert.Equal(t, 1, n)
			return err
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			before := received.Load()
			err := op.run()
			if op.name == "Load" {
				require.ErrorIs(t, err, redisstore.ErrUnreadable)
			} else {
				require.NoError(t, err)
			}
			assert.Less(t, received.Load()-before, int64(4<<10), "bytes received from Redis")
		})
	}
}

// TestSessionStoreSurvivesReplicaRestart: a session saved by one replica
// is loaded, touched, replaced and ended by a replica that started later
// with its own client, and after the sealing keys were rotated (a new key
// first, the old one kept): key names do not depend on Keys.
func TestSessionStoreSurvivesReplicaRestart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	pre := redistest.Prefix()
	first := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	old := newSessionStore(t, first, pre)
	want := sessionTokens("a1", "ref-user")
	require.NoError(t, old.Save(ctx, "sid", want))
	require.NoError(t, first.Close()) // the replica stops

	for _, keys := range [][][]byte{{testKey(1)}, {testKey(2), testKey(1)}} {
		restarted := newSessionStore(t, redistest.Client(t, srv.Addr()), pre, keys...)
		got, err := restarted.Load(ctx, "sid")
		require.NoError(t, err)
		assert.Equal(t, want.Token.AccessToken, got.Token.AccessToken)
		assert.Equal(t, want.Token.RefreshToken, got.Token.RefreshToken)
		assert.Equal(t, "idt-a1", got.Token.Extra("id_token"))
		assert.Equal(t, want.Refs, got.Refs)
		seen := got.Seen.Add(time.Minute)
		require.NoError(t, restarted.Touch(ctx, "sid", seen))
		got, err = restarted.Load(ctx, "sid")
		require.NoError(t, err)
		assert.True(t, got.Seen.Equal(seen))
	}
	rotated := newSessionStore(t, redistest.Client(t, srv.Addr()), pre, testKey(2), testKey(1))
	require.NoError(t, rotated.Replace(ctx, "sid", sessionTokens("a2", "ref-user")))
	n, err := rotated.DeleteRef(ctx, "ref-user")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// TestSessionStoreReplaceNeverOutlivesDelete: a Delete racing a Replace
// (a logout during a refresh) always ends the session.
func TestSessionStoreReplaceNeverOutlivesDelete(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	a, b := newSessionStore(t, redistest.Client(t, srv.Addr()), pre), newSessionStore(t, redistest.Client(t, srv.Addr()), pre)
	ctx := context.Background()
	for i := range 100 {
		sid := fmt.Sprintf("race-%d", i)
		require.NoError(t, a.Save(ctx, sid, sessionTokens("a1", "ref-race")))
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := a.Replace(ctx, sid, sessionTokens("a2", "ref-race")); err != nil && !errors.Is(err, web.ErrNoTokens) {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := b.Delete(ctx, sid); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := a.Touch(ctx, sid, time.Now()); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		_, err := b.Load(ctx, sid)
		require.ErrorIs(t, err, web.ErrNoTokens, "round %d: the session outlived its Delete", i)
	}
	n, err := a.DeleteRef(ctx, "ref-race")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// TestSessionStoreRedisFailureIsNotLogout: with Redis unreachable or
// slow (a proxy holding every packet 2s), every operation fails soon after
// its Timeout (100ms) with an error that is
// not ErrNoTokens (the handler answers 503 rather than logging the user
// out) and holds no session ID.
func TestSessionStoreRedisFailureIsNotLogout(t *testing.T) {
	srv := redistest.Start(t)
	const timeout = 100 * time.Millisecond
	for name, addr := range map[string]string{
		"unreachable": "127.0.0.1:1",
		"slow":        redistest.SlowProxy(t, srv.Addr(), 2*time.Second),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: redistest.Client(t, addr), Keys: [][]byte{testKey(1)}, NameKey: nameKey, Prefix: redistest.Prefix(), Timeout: timeout})
			require.NoError(t, err)
			ctx := context.Background()
			const sid = "session-id-secret-1234"
			for op, run := range map[string]func() error{
				"Save":      func() error { return s.Save(ctx, sid, sessionTokens("a1", "ref")) },
				"Replace":   func() error { return s.Replace(ctx, sid, sessionTokens("a1")) },
				"Load":      func() error { _, err := s.Load(ctx, sid); return err },
				"Touch":     func() error { return s.Touch(ctx, sid, time.Now()) },
				"Delete":    func() error { return s.Delete(ctx, sid) },
				"DeleteRef": func() error { _, err := s.DeleteRef(ctx, "ref"); return err },
				"Lease":     func() error { _, err := s.Lease(ctx, sid, time.Minute); return err },
				"Once":      func() error { _, err := s.Once(ctx, "jti", time.Minute); return err },
			} {
				start := time.Now()
				err := run()
				took := time.Since(start)
				require.Error(t, err, op)
				assert.False(t, errors.Is(err, web.ErrNoTokens), "%s: a failing Redis is not a logout", op)
				assert.False(t, errors.Is(err, web.ErrLeaseHeld), "%s: a failing Redis is not a held lease", op)
				// 1s: far above Timeout, for busy CPUs; far below the
				// proxy's delay and the client's own 3s read timeout.
				assert.Less(t, took, time.Second, "%s took %v: not bounded by Timeout", op, took)
				providertest.Formatted(t, []any{err}, sid, "a1")
			}
		})
	}
}

// countingProxy forwards loopback TCP to addr and counts the bytes addr
// sends back.
func countingProxy(t testing.TB, addr string) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var received atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				_ = in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(out, in); _ = out.Close() })
			wg.Go(func() {
				n, _ := io.Copy(in, io.TeeReader(out, countWriter{&received}))
				_ = n
				_ = in.Close()
			})
		}
	})
	return l.Addr().String(), &received
}

type countWriter struct{ n *atomic.Int64 }

func (w countWriter) Write(p []byte) (int, error) { w.n.Add(int64(len(p))); return len(p), nil }
