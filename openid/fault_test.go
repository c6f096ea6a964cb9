package openid_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// newFaultProvider starts a fake on now and a Provider against it with
// Config.Timeout set to timeout.
func newFaultProvider(t *testing.T, now func() time.Time, timeout time.Duration) (*openidtest.Server, *openid.Provider) {
	srv := openidtest.NewServer(openidtest.Options{Now: now})
	t.Cleanup(srv.Close)
	cfg := srv.Config("client")
	cfg.Timeout = timeout
	p, err := openid.New(cfg)
	require.NoError(t, err)
	return srv, p
}

// TestFaults sends client credentials (reusable), code exchange and
// refresh (single-use) into each fault of the shared table.
func TestFaults(t *testing.T) {
	t.Parallel()
	type (
		srv  = *openidtest.Server
		prov = *openid.Provider
	)
	refresh := providertest.RefreshRequest[srv, prov]()
	refresh.Prepare = func(t *testing.T, s srv, p prov) func(context.Context) (*oauth2.Token, error) {
		ctx := context.Background()
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := s.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Refresh(ctx, login.Token.RefreshToken) }
	}
	providertest.FaultSuite[srv, prov]{
		Provider: openid.DefaultName,
		Endpoint: openidtest.EndpointToken,
		New:      newFaultProvider,
		Requests: []providertest.FaultRequest[srv, prov]{
			providertest.ClientCredentialsRequest[srv, prov](),
			providertest.ExchangeRequest[srv, prov](),
			refresh,
		},
	}.Run(t)
}

func TestClientRefusesCrossHostRedirect(t *testing.T) {
	_, p := newFaultProvider(t, time.Now, 0)
	providertest.ClientRefusesCrossHostRedirect(t, p)
}

func FuzzComplete(f *testing.F) {
	for _, s := range []string{
		"code=CODE&state=STATE&iss=ISS", "code=CODE&state=STATE", "state=STATE&error=access_denied&iss=ISS",
		"code=CODE&state=STATE&iss=https%3A%2F%2Fattacker.example", "code=CODE&code=CODE&state=STATE&iss=ISS",
	} {
		f.Add(s)
	}
	srv := openidtest.NewServer(openidtest.Options{})
	f.Cleanup(srv.Close)
	p, err := openid.New(srv.Config("client"))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, raw string) {
		providertest.CompleteCallbackAt(t, p, srv.Authorize, replaceISS(raw, srv.Issuer()), "user-1")
	})
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a cached client-credentials token that is stale (in
// the refresh-ahead window) but still valid keeps being served by Token and
// TokenSource, and the background refresh did reach the failing endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	cachefault.KeepServingCachedToken(t, openidtest.EndpointToken, func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (*openidtest.Server, []cachefault.Source, time.Duration) {
		srv := openidtest.NewServer(openidtest.Options{Now: now})
		t.Cleanup(srv.Close)
		cfg := srv.Config("client")
		cfg.Cache, cfg.Now, cfg.Timeout = cache, now, timeout
		p, err := openid.New(cfg)
		require.NoError(t, err)
		_, err = p.Discover(context.Background()) // the faults are for the token endpoint
		require.NoError(t, err)
		ctx := context.Background()
		// 300 s tokens: stale from 39–43 s before expiry (refresh-ahead
		// plus the 10 s margin), expired 10 s before it.
		return srv, []cachefault.Source{
			{Name: "Token", Token: func() (*oauth2.Token, error) { return p.Token(ctx) }},
			{Name: "TokenSource", Token: p.TokenSource().Token},
		}, 265 * time.Second
	})
}

// TestIDTokenClockSkew: ID tokens from a server whose clock is ahead or
// behind, by [providertest.ClockSkews].
func TestIDTokenClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range providertest.ClockSkews {
		t.Run(tc.Skew.String(), func(t *testing.T) {
			t.Parallel()
			srv := openidtest.NewServer(openidtest.Options{Now: func() time.Time { return providertest.FaultNow.Add(tc.Skew) }})
			defer srv.Close()
			cfg := srv.Config("client")
			cfg.Now = func() time.Time { return providertest.FaultNow }
			p, err := openid.New(cfg)
			require.NoError(t, err)
			ctx := context.Background()
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			cb, err := srv.Authorize(ctx, ar.URL)
			require.NoError(t, err)
			login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
			if tc.OK {
				require.NoError(t, err)
				assert.True(t, providertest.FaultNow.Add(tc.Skew).Equal(login.IDToken.IssuedAt), "iat %v", login.IDToken.IssuedAt)
				return
			}
			require.ErrorIs(t, err, oauthkit.ErrIDTokenExpired)
			assert.Equal(t, 1, srv.Requests(openidtest.EndpointToken), "the code was exchanged once")
		})
	}
}
