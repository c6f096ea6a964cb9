package justimmo_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestClientCredentialsAreCached: Token, TokenSource and Client share one
// cached client-credentials token; InvalidateToken forces a new one.
func TestClientCredentialsAreCached(t *testing.T) {
	srv, _, clock := newFake(t)
	cache := tokencache.New(tokencache.Config{Clock: clock})
	defer cache.Close()
	cfg := srv.Config()
	cfg.Cache, cfg.Now = cache, clock.Now
	p, err := justimmo.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()

	first, err := p.Token(ctx)
	require.NoError(t, err)
	for range 100 {
		tok, err := p.TokenSource().Token()
		require.NoError(t, err)
		require.Same(t, first, tok)
	}
	assert.Equal(t, 1, srv.Requests(justimmotest.EndpointToken))

	var auth string
	api := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		auth = r.Header.Get("Authorization")
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	cfg.HTTPClient = api // the Client's requests go through Config.HTTPClient's transport
	withAPI, err := justimmo.New(cfg)
	require.NoError(t, err)
	resp, err := withAPI.Client().Get("https://api.justimmo.at/v1/realty")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Bearer "+first.AccessToken, auth, "same client, same secret, same cache: same token")

	require.NoError(t, p.InvalidateToken(ctx))
	again, err := p.Token(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, again.AccessToken)
	assert.Equal(t, 2, srv.Requests(justimmotest.EndpointToken))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Compile-time checks: Justimmo has every cached-token capability.
var (
	_ oauthkit.TokenProvider     = (*justimmo.Provider)(nil)
	_ oauthkit.ClientProvider    = (*justimmo.Provider)(nil)
	_ oauthkit.UserTokenProvider = (*justimmo.Provider)(nil)
)
