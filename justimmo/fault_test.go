package justimmo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// newFaultProvider starts a fake on now and a Provider against it with
// Config.Timeout set to timeout.
func newFaultProvider(t *testing.T, now func() time.Time, timeout time.Duration) (*justimmotest.Server, *justimmo.Provider) {
	srv := justimmotest.NewServer(justimmotest.Options{Now: now})
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Timeout = timeout
	p, err := justimmo.New(cfg)
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
		srv  = *justimmotest.Server
		prov = *justimmo.Provider
	)
	providertest.FaultSuite[srv, prov]{
		Provider: "justimmo",
		Endpoint: justimmotest.EndpointToken,
		New:      newFaultProvider,
		Requests: []providertest.FaultRequest[srv, prov]{
			providertest.ClientCredentialsRequest[srv, prov](),
			providertest.ExchangeRequest[srv, prov](),
			providertest.RefreshRequest[srv, prov](),
		},
	}.Run(t)
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a cached client-credentials token that is stale (in
// the refresh-ahead window) but still valid keeps being served by Token,
// and the background refresh did reach the failing endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	cachefault.KeepServingCachedToken(t, justimmotest.EndpointToken, func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (*justimmotest.Server, []cachefault.Source, time.Duration) {
		srv := justimmotest.NewServer(justimmotest.Options{Now: now})
		t.Cleanup(srv.Close)
		cfg := srv.Config()
		cfg.Cache, cfg.Now, cfg.Timeout = cache, now, timeout
		p, err := justimmo.New(cfg)
		require.NoError(t, err)
		token := func() (*oauth2.Token, error) { return p.Token(context.Background()) }
		// 31-day tokens: stale from 5 min 10 s to 6 min 25 s before expiry
		// (refresh-ahead capped at 5 min plus jitter, and the 10 s margin),
		// expired 10 s before it.
		return srv, []cachefault.Source{{Name: "Token", Token: token}}, 2678400*time.Second - 5*time.Minute
	})
}
