package webuntis_test

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
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// newFaultProvider starts a fake on now and a Provider against it with
// Config.Timeout set to timeout.
func newFaultProvider(t *testing.T, now func() time.Time, timeout time.Duration) (*webuntistest.Server, *webuntis.Provider) {
	srv := webuntistest.NewServer(webuntistest.Options{Now: now})
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Timeout = timeout
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	return srv, p
}

// TestFaults sends each kind of token request — client credentials
// (reusable), code exchange and refresh (single-use) — into each fault of
// the shared table and checks the error, the retries and that a single-use
// request reached the server at most once.
func TestFaults(t *testing.T) {
	t.Parallel()
	type (
		srv  = *webuntistest.Server
		prov = *webuntis.Provider
	)
	refresh := providertest.RefreshRequest[srv, prov]()
	refresh.Prepare = func(t *testing.T, srv srv, p prov) func(context.Context) (*oauth2.Token, error) {
		// The fake's tenant offers no refresh grant; a discovery document
		// that lists one lets Refresh reach the fake's token endpoint.
		iss := srv.Issuer()
		srv.InjectFault(webuntistest.EndpointDiscovery, oauthkittest.Fault{Status: 200, Times: 1, Body: `{"issuer":"` + iss +
			`","authorization_endpoint":"` + iss + `/authorize","token_endpoint":"` + iss + `/token","jwks_uri":"` + iss +
			`/jwks","response_types_supported":["code"],"subject_types_supported":["public"],` +
			`"id_token_signing_alg_values_supported":["RS256"],"grant_types_supported":["authorization_code","refresh_token","client_credentials"]}`})
		_, err := p.Discover(context.Background())
		require.NoError(t, err)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Refresh(ctx, "refresh-token-1") }
	}
	providertest.FaultSuite[srv, prov]{
		Provider: "webuntis",
		Endpoint: webuntistest.EndpointToken,
		New:      newFaultProvider,
		Requests: []providertest.FaultRequest[srv, prov]{
			providertest.ClientCredentialsRequest[srv, prov](),
			providertest.ExchangeRequest[srv, prov](),
			refresh,
		},
	}.Run(t)
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a cached client-credentials token that is stale (in
// the refresh-ahead window) but still valid keeps being served by Token and
// TokenSource, and the background refresh did reach the failing endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	cachefault.KeepServingCachedToken(t, webuntistest.EndpointToken, func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (*webuntistest.Server, []cachefault.Source, time.Duration) {
		srv := webuntistest.NewServer(webuntistest.Options{Now: now})
		t.Cleanup(srv.Close)
		cfg := srv.Config()
		cfg.Cache, cfg.Now, cfg.Timeout = cache, now, timeout
		p, err := webuntis.New(cfg)
		require.NoError(t, err)
		ctx := context.Background()
		// 180 s tokens: stale from 27–31 s before expiry (refresh-ahead
		// plus the 10 s margin), expired 10 s before it.
		return srv, []cachefault.Source{
			{Name: "Token", Token: func() (*oauth2.Token, error) { return p.Token(ctx) }},
			{Name: "TokenSource", Token: p.TokenSource().Token},
		}, 160 * time.Second
	})
}

// TestIDTokenClockSkew: ID tokens from a server whose clock is ahead or
// behind, by [providertest.ClockSkews].
func TestIDTokenClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range providertest.ClockSkews {
		t.Run(tc.Skew.String(), func(t *testing.T) {
			t.Parallel()
			srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return providertest.FaultNow.Add(tc.Skew) }})
			defer srv.Close()
			cfg := srv.Config()
			cfg.Now = func() time.Time { return providertest.FaultNow }
			p, err := webuntis.New(cfg)
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
			assert.Equal(t, 1, srv.Requests(webuntistest.EndpointToken), "the code was exchanged once")
		})
	}
}
