package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// The tests in this file hold the rule for single-use secrets: one refresh
// per user's login for the whole fleet, and a refresh token never sent
// twice, however slow the identity provider or Redis.

// recordingIdP is a token endpoint that rotates the refresh token on every
// refresh and records each refresh token it receives.
type recordingIdP struct {
	clock *tokencachetest.Clock
	delay time.Duration // real time each refresh takes: a slow IdP
	in    chan struct{} // if set, receives once per refresh as it arrives

	mu     sync.Mutex
	seen   map[string]int // refresh token → times received
	issued int
}

func newIdP(clock *tokencachetest.Clock, delay time.Duration) *recordingIdP {
	return &recordingIdP{clock: clock, delay: delay, seen: map[string]int{}}
}

func (p *recordingIdP) renew(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
	p.mu.Lock()
	p.seen[prev.RefreshToken]++
	p.mu.Unlock()
	if p.in != nil {
		p.in <- struct{}{}
	}
	if p.delay > 0 {
		t := time.NewTimer(p.delay) // the IdP's slowness, simulated
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issued++
	return &oauth2.Token{AccessToken: fmt.Sprint("at-", p.issued), RefreshToken: fmt.Sprint("rt-", p.issued), TokenType: "Bearer", Expiry: p.clock.Now().Add(life)}, nil
}

// refreshes is how many refresh requests the IdP received.
func (p *recordingIdP) refreshes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.seen {
		n += c
	}
	return n
}

// duplicates lists the refresh tokens the IdP received more than once (by
// how often, never the token itself).
func (p *recordingIdP) duplicates() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d []int
	for _, c := range p.seen {
		if c > 1 {
			d = append(d, c)
		}
	}
	return d
}

// backend is where the replicas' Redis comes from: one server or a Cluster
// of three nodes (so that the hash-tagged key names are proven).
type backend struct {
	name   string
	client func(t *testing.T) func() redis.UniversalClient
}

var backends = []backend{
	{"redis", func(t *testing.T) func() redis.UniversalClient {
		srv := redistest.Start(t)
		return func() redis.UniversalClient { return srv.Client(t) }
	}},
	{"cluster", func(t *testing.T) func() redis.UniversalClient {
		cl := redistest.StartCluster(t)
		return func() redis.UniversalClient { return cl.Client(t) }
	}},
}

// userFleet is n replicas (caches with their own Redis client) sharing one
// Redis, each with a RefreshingSource for one user's login.
type userFleet struct {
	clock   *tokencachetest.Clock
	caches  []*tokencache.Cache
	stores  []*redisstore.Store
	sources []oauth2.TokenSource
	key     string
	errs    atomic.Int64
}

func newUserFleet(t *testing.T, n int, client func() redis.UniversalClient, idp *recordingIdP, seed *oauth2.Token, scfg redisstore.Config, ccfg tokencache.Config) *userFleet {
	t.Helper()
	f := &userFleet{clock: idp.clock, key: tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", Flow: "refresh_token", User: "u1"})}
	pre := redistest.Prefix()
	for range n {
		sc := scfg
		sc.Client, sc.Prefix, sc.Keys = client(), pre, [][]byte{testKey(1)}
		s, err := redisstore.New(sc)
		require.NoError(t, err)
		cc := ccfg
		cc.Store, cc.Clock = s, f.clock
		cc.OnError = func(_ string, err error) {
			if f.errs.Add(1) <= 3 {
				t.Logf("OnError: %v", err)
			}
		}
		c := tokencache.New(cc)
		t.Cleanup(func() { _ = c.Close() })
		f.caches, f.stores = append(f.caches, c), append(f.stores, s)
		f.sources = append(f.sources, c.RefreshingSource(f.key, seed, idp.renew, tokencache.ForUser("u1")))
	}
	return f
}

// ask has goroutines callers on every replica ask for the user's token at
// once and returns the tokens they got and their errors.
func (f *userFleet) ask(goroutines int) (toks []*oauth2.Token, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, src := range f.sources {
		for range goroutines {
			wg.Go(func() {
				<-start
				tok, err := src.Token()
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else {
					toks = append(toks, tok)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	return toks, errs
}

// TestFleetRefreshesUserTokenOnce: three replicas × 50 goroutines ask for
// one user's expired token at once, over three lifetimes: exactly one
// refresh request per lifetime for the whole fleet, every caller gets the
// new token, and no refresh token reaches the IdP twice. Also when the IdP
// takes longer than StoreWait (the replicas not holding the lease keep
// waiting for the holder's token instead of sending the same refresh token
// themselves), and on a Redis Cluster.
func TestFleetRefreshesUserTokenOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			client := b.client(t)
			for _, tc := range []struct {
				name      string
				storeWait time.Duration
				idpDelay  time.Duration
			}{
				{"fast IdP", 0, 0},
				{"IdP slower than StoreWait", 50 * time.Millisecond, 400 * time.Millisecond},
			} {
				t.Run(tc.name, func(t *testing.T) {
					clock := tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
					idp := newIdP(clock, tc.idpDelay)
					seed := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: clock.Now().Add(-time.Minute)} // expired
					f := newUserFleet(t, 3, client, idp, seed, redisstore.Config{Timeout: 5 * time.Second}, tokencache.Config{StoreWait: tc.storeWait})
					for i := range 3 {
						if i > 0 {
							clock.Advance(life + time.Minute) // expired everywhere; the refresh token is kept in Redis
						}
						toks, errs := f.ask(50)
						require.Empty(t, idp.duplicates(), "lifetime %d: refresh tokens received more than once", i+1)
						require.Empty(t, errs, "lifetime %d", i+1)
						for _, tok := range toks {
							require.Equal(t, fmt.Sprint("at-", i+1), tok.AccessToken, "lifetime %d: every caller gets the one new token", i+1)
						}
						assert.Equal(t, i+1, idp.refreshes(), "lifetime %d: one refresh request for the fleet", i+1)
					}
					assert.Empty(t, idp.duplicates(), "refresh tokens received more than once")
				})
			}
		})
	}
}

// TestRefreshWaitsForLeaseHolder: while another replica holds the key's
// lease, a replica never sends the refresh token: it serves the still-valid
// token meanwhile; with none, it fails with ErrRefreshInFlight once its
// FetchTimeout is nearly over (not after StoreWait); and it renews once the
// lease is given back.
func TestRefreshWaitsForLeaseHolder(t *testing.T) {
	client := backends[0].client(t)
	clock := tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	idp := newIdP(clock, 0)
	seed := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: clock.Now().Add(life)}
	// Long enough that the fill's give-up margin (a tenth of it) holds the
	// Store round trips that follow its last poll, with -race on a busy
	// machine: at 600 ms the fetch timer sometimes released the caller first.
	const fetchTimeout = 1500 * time.Millisecond
	events := make(chan tokencache.RefreshEvent, 100)
	f := newUserFleet(t, 2, client, idp, seed, redisstore.Config{}, tokencache.Config{
		StoreWait: 10 * time.Millisecond, FetchTimeout: fetchTimeout,
		OnRefresh: func(ev tokencache.RefreshEvent) { events <- ev },
	})
	ctx := context.Background()

	tok, err := f.sources[1].Token()
	require.NoError(t, err)
	require.Equal(t, "at-0", tok.AccessToken, "the fresh seed, handed over without a request")

	// Replica 0 holds the lease (a refresh of its own, stuck).
	release, err := f.stores[0].Lease(ctx, f.key, time.Minute)
	require.NoError(t, err)

	clock.Advance(life - tokencache.DefaultExpiryMargin - time.Second) // stale, still valid
	for range 5 {
		tok, err := f.sources[1].Token()
		require.NoError(t, err)
		assert.Equal(t, "at-0", tok.AccessToken, "the still-valid token is served meanwhile")
	}
	for failed := false; !failed; { // the refresh ahead those calls started gives up
		select {
		case ev := <-events:
			if failed = ev.Err != nil; failed {
				require.ErrorIs(t, ev.Err, tokencache.ErrRefreshInFlight)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the refresh ahead did not end")
		}
	}

	clock.Advance(time.Minute) // expired
	began := time.Now()
	_, err = f.sources[1].Token()
	took := time.Since(began)
	require.ErrorIs(t, err, tokencache.ErrRefreshInFlight)
	assert.Greater(t, took, fetchTimeout/2, "waited for the holder past StoreWait")
	assert.Less(t, took, fetchTimeout+time.Second)
	assert.Zero(t, idp.refreshes(), "no refresh token sent while another replica holds the lease")

	require.NoError(t, release(ctx))
	require.Eventually(t, func() bool {
		clock.Advance(6 * time.Second) // past the failure's backoff
		tok, err := f.sources[1].Token()
		return err == nil && tok.AccessToken == "at-1"
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, 1, idp.refreshes())
	tok, err = f.sources[0].Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken, "the other replica adopts it")
	assert.Equal(t, 1, idp.refreshes())
	assert.Empty(t, idp.duplicates())
}

// TestSlowRedisSendsNoRefreshTokenTwice: behind a proxy slower than the
// Store's timeout every Redis call fails. Replicas then send no refresh
// token at all (there is no lease to say who may): a still-valid token is
// served, an expired one fails with ErrStoreUnavailable, retryably; a fresh
// seed is still handed over (no request); client-credentials keys, which
// carry no single-use secret, still get tokens, fetched by each replica.
func TestSlowRedisSendsNoRefreshTokenTwice(t *testing.T) {
	srv := redistest.Start(t)
	slow := redistest.SlowProxy(t, srv.Addr(), 300*time.Millisecond)
	clock := tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	idp := newIdP(clock, 0)
	seed := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: clock.Now().Add(life)}
	f := newUserFleet(t, 3, func() redis.UniversalClient { return redistest.Client(t, slow) }, idp, seed,
		redisstore.Config{Timeout: 30 * time.Millisecond}, tokencache.Config{})

	toks, errs := f.ask(10)
	require.Empty(t, errs)
	for _, tok := range toks {
		require.Equal(t, "at-0", tok.AccessToken, "the fresh seed")
	}

	clock.Advance(life - tokencache.DefaultExpiryMargin - time.Second) // stale, still valid
	toks, errs = f.ask(10)
	require.Empty(t, errs)
	for _, tok := range toks {
		require.Equal(t, "at-0", tok.AccessToken, "the still-valid token is served")
	}

	clock.Advance(time.Minute) // expired
	_, errs = f.ask(10)
	assert.Empty(t, idp.duplicates(), "refresh tokens received more than once")
	require.Len(t, errs, 30, "no valid token and no lease: every caller fails")
	for _, err := range errs {
		require.ErrorIs(t, err, tokencache.ErrStoreUnavailable)
		require.False(t, oauthkit.NeedsLogin(err), "retryable, not a dead login")
		require.NotContains(t, err.Error(), "rt-0")
	}
	assert.Zero(t, idp.refreshes(), "no refresh token sent without a lease")
	assert.Empty(t, idp.duplicates())
	assert.Positive(t, f.errs.Load(), "Store errors reported")

	var fetches atomic.Int64
	ccKey := tokencache.Key(tokencache.KeyParts{Vendor: "webuntis", Tenant: "school", ClientID: "app", Flow: "client_credentials", Credential: "pw"})
	for _, c := range f.caches {
		tok, err := c.Token(context.Background(), ccKey, func(context.Context) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: fmt.Sprint("cc-", fetches.Add(1)), Expiry: clock.Now().Add(life)}, nil
		})
		require.NoError(t, err, "client credentials: fetched on its own")
		require.NotNil(t, tok)
	}
	assert.Equal(t, int64(3), fetches.Load(), "one fetch per replica while Redis is slow")
}
