package unisignin_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// newFaultProvider starts a fake on now and a Provider against it with
// Config.Timeout set to timeout.
func newFaultProvider(t *testing.T, now func() time.Time, timeout time.Duration) (*unisignintest.Server, *unisignin.Provider) {
	srv := unisignintest.NewServer(unisignintest.Options{Now: now})
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Timeout = timeout
	p, err := unisignin.New(cfg)
	require.NoError(t, err)
	return srv, p
}

// TestFaults sends each kind of token request — password (reusable; UniSignIn
// has no client credentials), code exchange and refresh (single-use) — into
// each fault of the shared table and checks the error, the retries and that
// a single-use request reached the server at most once.
func TestFaults(t *testing.T) {
	t.Parallel()
	type (
		srv  = *unisignintest.Server
		prov = *unisignin.Provider
	)
	providertest.FaultSuite[srv, prov]{
		Provider: "unisignin",
		Endpoint: unisignintest.EndpointToken,
		New:      newFaultProvider,
		Requests: []providertest.FaultRequest[srv, prov]{
			{Name: "password", Prepare: func(_ *testing.T, srv srv, p prov) func(context.Context) (*oauth2.Token, error) {
				u := srv.Users()[0]
				return func(ctx context.Context) (*oauth2.Token, error) {
					return p.PasswordToken(ctx, u.Email, oauthkit.Secret(u.Password))
				}
			}},
			providertest.ExchangeRequest[srv, prov](),
			providertest.RefreshRequest[srv, prov](),
		},
	}.Run(t)
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a user's cached token that is stale (in the
// refresh-ahead window) but still valid keeps being served by its
// UserTokenSource, and the background refresh did reach the failing
// endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	cachefault.KeepServingCachedToken(t, unisignintest.EndpointToken, func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (*unisignintest.Server, []cachefault.Source, time.Duration) {
		srv := unisignintest.NewServer(unisignintest.Options{Now: now})
		t.Cleanup(srv.Close)
		cfg := srv.Config()
		cfg.Cache, cfg.Now, cfg.Timeout = cache, now, timeout
		p, err := unisignin.New(cfg)
		require.NoError(t, err)
		// The seed is handed to the cache without a request. An hour's
		// token: stale from 5 min 10 s to 6 min 25 s before expiry
		// (refresh-ahead capped at 5 min plus jitter, and the 10 s margin),
		// expired 10 s before it.
		seed := &oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-1", TokenType: "Bearer", Expiry: providertest.FaultNow.Add(time.Hour)}
		src := p.UserTokenSource("user-1", seed)
		return srv, []cachefault.Source{{Name: "UserTokenSource", Token: src.Token, Seed: "access-1"}}, 55 * time.Minute
	})
}
