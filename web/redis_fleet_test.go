package web_test

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// The fleet tests again, each replica with a redisstore.SessionStore of its
// own (its own client) over one real redis-server, and over a Redis
// Cluster of three nodes, so that the hash-tagged key names are proven.

var sessionKey, sessionNameKey = newKey(), newKey()

// redisStores returns a factory of SessionStores over one Redis: each call
// is another replica's store, with a client of its own.
func redisStores(t testing.TB, client func(testing.TB) redis.UniversalClient) func(testing.TB) web.TokenStore {
	pre := redistest.Prefix()
	return func(t testing.TB) web.TokenStore {
		s, err := redisstore.NewSessionStore(redisstore.SessionConfig{
			Client: client(t), Keys: [][]byte{sessionKey}, NameKey: sessionNameKey, Prefix: pre,
			// These tests count refreshes, not latency: under -race on
			// two busy CPUs no call may time out (TestFleetSlowRedis…
			// tests the timeout).
			Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestRedisFleet runs the fleet tests on one redis-server and on a Redis
// Cluster, each subtest under a key prefix of its own.
func TestRedisFleet(t *testing.T) {
	backends := map[string]func(*testing.T) func(testing.TB) redis.UniversalClient{
		"server": func(t *testing.T) func(testing.TB) redis.UniversalClient {
			srv := redistest.Start(t)
			return func(t testing.TB) redis.UniversalClient { return redistest.Client(t, srv.Addr()) }
		},
		"cluster": func(t *testing.T) func(testing.TB) redis.UniversalClient {
			c := redistest.StartCluster(t)
			return func(t testing.TB) redis.UniversalClient { return c.Client(t) }
		},
	}
	tests := map[string]func(*testing.T, func(*testing.T) web.TokenStore){
		"OneRefreshPerSession":   fleetOneRefreshPerSession,
		"WaitsForTheSlowHolder":  fleetWaitsForTheSlowHolder,
		"SessionsSurviveRestart": fleetSessionsSurviveRestart,
		"EndSessionsEverywhere":  fleetEndSessionsEverywhere,
		"BackchannelLogout":      fleetBackchannelLogout,
	}
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			client := backend(t)
			for name, test := range tests {
				t.Run(name, func(t *testing.T) {
					f := redisStores(t, client)
					test(t, func(t *testing.T) web.TokenStore { return f(t) })
				})
			}
		})
	}
}

// TestFleetSlowRedisNeverResendsARefreshToken: a Redis slower than the
// store's timeout (every answer held 300 ms, timeout 100 ms): a session
// whose token has expired fails with ErrUnavailable — retryable, not
// "log in again" — and its refresh token is never sent; when Redis answers
// in time again the same cookie works and the token is refreshed once.
func TestFleetSlowRedisNeverResendsARefreshToken(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	store := func(addr string, timeout time.Duration) web.TokenStore {
		s, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: redistest.Client(t, addr), Keys: [][]byte{sessionKey}, NameKey: sessionNameKey, Prefix: pre, Timeout: timeout})
		must(t, err)
		return s
	}
	fast := store(srv.Addr(), 10*time.Second)
	f := newFleet(t, 1, func(*testing.T) web.TokenStore { return fast }, nil)
	cookie := f.login("u1", time.Now().Add(-time.Minute))

	slow := store(redistest.SlowProxy(t, srv.Addr(), 300*time.Millisecond), 100*time.Millisecond)
	f.replicas = nil
	f.add(slow, nil)
	f.add(slow, nil)
	for i := range f.replicas {
		_, err := f.token(i, cookie)
		if !errors.Is(err, web.ErrUnavailable) || oauthkit.NeedsLogin(err) {
			t.Errorf("replica %d with Redis slower than its timeout: %v, want ErrUnavailable", i, err)
		}
	}
	if n := f.idp.refreshes.Load(); n != 0 {
		t.Fatalf("%d refresh requests while Redis could not say who holds the lease, want 0", n)
	}
	f.add(fast, nil)
	if _, err := f.token(2, cookie); err != nil {
		t.Fatalf("once Redis answers in time: %v", err)
	}
	if n, twice := f.idp.refreshes.Load(), f.idp.sentTwice(); n != 1 || twice != 0 {
		t.Errorf("%d refresh requests (%d tokens sent twice), want 1 (0)", n, twice)
	}
}

// BenchmarkFleetRefreshRedis is BenchmarkFleetRefresh with each replica's
// SessionStore over one real redis-server.
func BenchmarkFleetRefreshRedis(b *testing.B) {
	srv := redistest.Start(b)
	benchFleetRefresh(b, "redis", func(tb testing.TB) func() web.TokenStore {
		f := redisStores(tb, func(tb testing.TB) redis.UniversalClient { return redistest.Client(tb, srv.Addr()) })
		return func() web.TokenStore { return f(tb) }
	})
}
