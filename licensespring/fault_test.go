package licensespring_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// newFaultProvider starts a fake on now and a Provider against it with
// Config.Timeout set to timeout.
func newFaultProvider(t *testing.T, now func() time.Time, timeout time.Duration) (*licensespringtest.Server, *licensespring.Provider) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: now})
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Timeout = timeout
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	return srv, p
}

// TestFaults sends each kind of request — the sso_url lookup (reusable;
// LicenseSpring's login has no client credentials), code exchange and
// refresh (single-use) — into each fault of the shared table and checks the
// error, the retries and that a single-use request reached the server at
// most once.
func TestFaults(t *testing.T) {
	t.Parallel()
	type (
		srv  = *licensespringtest.Server
		prov = *licensespring.Provider
	)
	refresh := providertest.RefreshRequest[srv, prov]()
	refresh.Prepare = func(t *testing.T, _ srv, p prov) func(context.Context) (*oauth2.Token, error) {
		_, err := p.SSOURL(context.Background()) // the realm's token endpoint
		require.NoError(t, err)
		return func(ctx context.Context) (*oauth2.Token, error) { return p.Refresh(ctx, "refresh-token-1") }
	}
	providertest.FaultSuite[srv, prov]{
		Provider: "licensespring",
		Endpoint: licensespringtest.EndpointToken,
		New:      newFaultProvider,
		Requests: []providertest.FaultRequest[srv, prov]{
			{Name: "sso url", Endpoint: licensespringtest.EndpointSSOURL, Adapt: ssoURLCase, Prepare: func(_ *testing.T, _ srv, p prov) func(context.Context) (*oauth2.Token, error) {
				return func(ctx context.Context) (*oauth2.Token, error) {
					if _, err := p.SSOURL(ctx); err != nil {
						return nil, err
					}
					return &oauth2.Token{AccessToken: "sso-url-answered"}, nil // served
				}
			}},
			providertest.ExchangeRequest[srv, prov](),
			refresh,
		},
	}.Run(t)
}

// ssoURLCase is a token-endpoint case for the sso_url lookup: a 200 that
// holds no "url" (a token response, an error body) is a malformed answer.
// The lookup runs detached from its caller (the first good answer is kept
// for every caller), so when the caller gives up the lookup goes on, bounded
// by the per-attempt timeout: how many attempts it made by then is not
// fixed. Nor is it when every attempt times out: the lookup as a whole is
// bounded by three per-attempt timeouts, backoff included, so a third
// attempt may not fit.
func ssoURLCase(tc providertest.FaultCase) providertest.FaultCase {
	switch {
	case tc.Timeout > 0 && tc.Deadline == 0 && tc.Want.Is == context.DeadlineExceeded && tc.Attempts > 1:
		tc.Attempts = -1
	case tc.Want.Life > 0 || tc.Want.NoExpiry || tc.Want.Is == oauthkit.ErrInvalidGrant:
		tc.Want = providertest.FaultWant{Status: 200, Is: oauthkit.ErrMalformedResponse}
	case tc.Deadline > 0 && tc.Want.Is == context.DeadlineExceeded:
		tc.Timeout, tc.Attempts = 150*time.Millisecond, -1
	case tc.Deadline > 0 && tc.Want.Status == http.StatusTooManyRequests:
		// The lookup's own deadline, three per-attempt timeouts, is what
		// a Retry-After must fit in.
		tc.Timeout = 5 * time.Second
	}
	return tc
}

// TestFaultsKeepServingCachedToken: while the token endpoint fails in every
// way the suite knows, a user's cached token that is stale (in the
// refresh-ahead window) but still valid keeps being served by its
// UserTokenSource, and the background refresh did reach the failing
// endpoint.
func TestFaultsKeepServingCachedToken(t *testing.T) {
	t.Parallel()
	cachefault.KeepServingCachedToken(t, licensespringtest.EndpointToken, func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (*licensespringtest.Server, []cachefault.Source, time.Duration) {
		srv := licensespringtest.NewServer(licensespringtest.Options{Now: now})
		t.Cleanup(srv.Close)
		cfg := srv.Config()
		cfg.Cache, cfg.Now, cfg.Timeout = cache, now, timeout
		p, err := licensespring.New(cfg)
		require.NoError(t, err)
		_, err = p.SSOURL(context.Background()) // the realm's token endpoint
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

// TestIDTokenClockSkew: ID tokens from a realm whose clock is ahead or
// behind (iat, auth_time and exp shifted together), by
// [providertest.ClockSkews].
func TestIDTokenClockSkew(t *testing.T) {
	t.Parallel()
	for _, tc := range providertest.ClockSkews {
		t.Run(tc.Skew.String(), func(t *testing.T) {
			t.Parallel()
			srv := licensespringtest.NewServer(licensespringtest.Options{Now: func() time.Time { return providertest.FaultNow }})
			defer srv.Close()
			shift := int64(tc.Skew / time.Second)
			srv.MutateIDTokens(func(claims map[string]any) {
				for _, k := range []string{"iat", "auth_time", "exp"} {
					claims[k] = claims[k].(int64) + shift
				}
			})
			p, err := licensespring.New(srv.Config())
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
			assert.Equal(t, 1, srv.Requests(licensespringtest.EndpointToken), "the code was exchanged once")
		})
	}
}
