package webuntis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// cachedFake is a WebUntis fake and a Provider sharing one fake clock and a
// cache with the default refresh policy.
type cachedFake struct {
	clock  *tokencachetest.Clock
	srv    *webuntistest.Server
	cache  *tokencache.Cache
	p      *webuntis.Provider
	events chan tokencache.RefreshEvent
}

func newCachedFake(t *testing.T) *cachedFake {
	t.Helper()
	f := &cachedFake{clock: tokencachetest.NewClock(fixedNow), events: make(chan tokencache.RefreshEvent, 100)}
	f.srv = webuntistest.NewServer(webuntistest.Options{Now: f.clock.Now})
	t.Cleanup(f.srv.Close)
	f.cache = tokencache.New(tokencache.Config{
		Clock:     f.clock,
		OnRefresh: func(ev tokencache.RefreshEvent) { f.events <- ev },
	})
	t.Cleanup(func() { f.cache.Close() })
	cfg := f.srv.Config()
	cfg.Cache, cfg.Now = f.cache, f.clock.Now
	var err error
	f.p, err = webuntis.New(cfg)
	require.NoError(t, err)
	return f
}

// refreshedPast waits for the fill that replaces a token expiring at expiry.
func (f *cachedFake) refreshedPast(t *testing.T, expiry time.Time) {
	t.Helper()
	for {
		select {
		case ev := <-f.events:
			require.NoError(t, ev.Err)
			if ev.Expiry.After(expiry) {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no refresh")
		}
	}
}

// TestSimulatedHour: an hour of one request per second against the fake's
// 180-second tokens. The minimum is 20 token requests (3600 / 180); the
// cache refreshes each token once, ahead of its expiry, and never hands out
// an expired one.
func TestSimulatedHour(t *testing.T) {
	f := newCachedFake(t)
	ctx := context.Background()

	// The default policy turns a 180 s token stale 27 to 31.25 s before it
	// expires (10 s margin, 17 s refresh-ahead plus up to 25 % jitter): by
	// expiry-27s a refresh has started, and the loop waits for it so that
	// fake time does not outrun the real request.
	const lastStaleStart = 27 * time.Second
	expired := 0
	for range 3600 {
		f.clock.Advance(time.Second)
		now := f.clock.Now()
		tok, err := f.p.Token(ctx)
		require.NoError(t, err)
		if !tok.Expiry.After(now) {
			expired++
		}
		if !now.Before(tok.Expiry.Add(-lastStaleStart)) {
			f.refreshedPast(t, tok.Expiry)
		}
	}
	requests := f.srv.Requests(webuntistest.EndpointToken)
	t.Logf("simulated hour: %d token requests (minimum 20, target <= 27), %d expired tokens handed out", requests, expired)
	assert.Zero(t, expired)
	assert.GreaterOrEqual(t, requests, 20)
	assert.LessOrEqual(t, requests, 27)
}

// callAll has n goroutines ask for the provider's token at once.
func callAll(ctx context.Context, p *webuntis.Provider, n int) ([]*oauth2.Token, []error) {
	toks, errs := make([]*oauth2.Token, n), make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			toks[i], errs[i] = p.Token(ctx)
		})
	}
	start.Done()
	done.Wait()
	return toks, errs
}

// TestThousandCallersOfAStaleToken: with an upstream that takes 100 ms, 1000
// goroutines asking for a stale token all get the old one at once — none
// waits for the refresh, which would have given it the new one — and one
// request goes upstream.
func TestThousandCallersOfAStaleToken(t *testing.T) {
	f := newCachedFake(t)
	ctx := context.Background()
	first, err := f.p.Token(ctx)
	require.NoError(t, err)
	f.refreshedPast(t, time.Time{})

	f.clock.Advance(160 * time.Second) // stale (expiry-20s), not expired
	f.srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Delay: 100 * time.Millisecond})
	start := time.Now()
	toks, errs := callAll(ctx, f.p, 1000)
	returned := time.Since(start)
	for i := range toks {
		require.NoError(t, errs[i])
		require.Same(t, first, toks[i], "caller %d waited for the refresh", i)
	}
	f.refreshedPast(t, first.Expiry)
	assert.Equal(t, 2, f.srv.Requests(webuntistest.EndpointToken), "the first fetch, then one refresh for 1000 callers")
	t.Logf("1000 stale callers returned in %s; the refresh took 100 ms upstream", returned)

	next, err := f.p.Token(ctx)
	require.NoError(t, err)
	assert.NotSame(t, first, next)
}

// TestThousandCallersOfAnExpiredToken: the same herd when the token has
// expired: they all wait for one request and all get its token.
func TestThousandCallersOfAnExpiredToken(t *testing.T) {
	f := newCachedFake(t)
	ctx := context.Background()
	first, err := f.p.Token(ctx)
	require.NoError(t, err)
	f.refreshedPast(t, time.Time{})

	f.clock.Advance(181 * time.Second)
	f.srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Delay: 100 * time.Millisecond})
	toks, errs := callAll(ctx, f.p, 1000)
	require.NoError(t, errs[0])
	require.NotSame(t, first, toks[0])
	for i := range toks {
		require.NoError(t, errs[i])
		require.Same(t, toks[0], toks[i], "caller %d got another token", i)
	}
	assert.Equal(t, 2, f.srv.Requests(webuntistest.EndpointToken), "one request for 1000 callers of an expired token")
}

// TestTokenSourceAndClient: the bound source and the HTTP client serve the
// same cached token, and a 401 answer is cured by InvalidateToken.
func TestTokenSourceAndClient(t *testing.T) {
	f := newCachedFake(t)
	ctx := context.Background()
	a, err := f.p.TokenSource().Token()
	require.NoError(t, err)
	b, err := f.p.Token(ctx)
	require.NoError(t, err)
	assert.Same(t, a, b)

	resp, err := f.p.Client().Get(f.srv.URL + "/ims/oneroster/v1p1/users")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 1, f.srv.Requests(webuntistest.EndpointToken))

	require.NoError(t, f.p.InvalidateToken(ctx))
	c, err := f.p.Token(ctx)
	require.NoError(t, err)
	assert.NotSame(t, a, c)
	assert.Equal(t, 2, f.srv.Requests(webuntistest.EndpointToken))
}

// TestTenantsShareOneCache: providers for many tenants share one cache,
// each with its own key; rotating a tenant's password starts a new token.
func TestTenantsShareOneCache(t *testing.T) {
	f := newCachedFake(t)
	ctx := context.Background()
	for _, id := range []string{"2001", "2002", "2003"} {
		f.srv.AddTenant(webuntistest.Tenant{ID: id, ClientID: "app", ClientSecret: "s-" + id, Password: "p-" + id})
	}
	providers := map[string]*webuntis.Provider{}
	for _, id := range []string{"2001", "2002", "2003"} {
		p, err := webuntis.New(webuntis.Config{BaseURL: f.srv.URL, Tenant: id, ClientID: "app", Password: oauthkit.Secret("p-" + id), HTTPClient: f.srv.Client(), Cache: f.cache, Now: f.clock.Now})
		require.NoError(t, err)
		providers[id] = p
	}
	seen := map[string]bool{}
	for range 3 {
		for _, p := range providers {
			tok, err := p.Token(ctx)
			require.NoError(t, err)
			seen[tok.AccessToken] = true
		}
	}
	assert.Len(t, seen, 3, "one token per tenant")
	assert.Equal(t, 3, f.srv.Requests(webuntistest.EndpointToken))

	rotated, err := webuntis.New(webuntis.Config{BaseURL: f.srv.URL, Tenant: "2001", ClientID: "app", Password: "p-2001-new", HTTPClient: f.srv.Client(), Cache: f.cache, Now: f.clock.Now})
	require.NoError(t, err)
	_, err = rotated.Token(ctx)
	require.Error(t, err, "a new password gets its own key: the old password's token is not served")
}

// Compile-time checks: WebUntis has every cached-token capability.
var (
	_ oauthkit.TokenProvider     = (*webuntis.Provider)(nil)
	_ oauthkit.ClientProvider    = (*webuntis.Provider)(nil)
	_ oauthkit.UserTokenProvider = (*webuntis.Provider)(nil)
)

// TestCachedTokensThroughOauthkitInterfaces: code that holds an
// oauthkit.Provider reaches the cached token by asserting the named
// interfaces, and gets the one token the Provider's own methods serve.
func TestCachedTokensThroughOauthkitInterfaces(t *testing.T) {
	f := newCachedFake(t)
	var p oauthkit.Provider = f.p
	tp, ok := p.(oauthkit.TokenProvider)
	require.True(t, ok, "TokenProvider")
	tok, err := tp.Token(context.Background())
	require.NoError(t, err)
	fromSource, err := tp.TokenSource().Token()
	require.NoError(t, err)
	assert.Same(t, tok, fromSource, "one cached token")
	direct, err := f.p.Token(context.Background())
	require.NoError(t, err)
	assert.Same(t, tok, direct)
	require.NoError(t, tp.InvalidateToken(context.Background()))

	cp, ok := p.(oauthkit.ClientProvider)
	require.True(t, ok, "ClientProvider")
	assert.NotNil(t, cp.Client())
	_, ok = p.(oauthkit.UserTokenProvider)
	assert.True(t, ok, "UserTokenProvider")
}
