package openid_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/dpop"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
)

// TestDPoPFleetRedis: replicas sharing a Redis store and configured with
// the same DPoP key share one DPoP token (one fetch for the fleet), its
// binding read back from Redis; a replica with another key does not use it
// but fetches its own. Redis holds neither key: only the thumbprint,
// sealed with the token.
func TestDPoPFleetRedis(t *testing.T) {
	srv := redistest.Start(t)
	fake := openidtest.NewServer(openidtest.Options{})
	t.Cleanup(fake.Close)
	pre := redistest.Prefix()
	replica := func(key *ecdsa.PrivateKey) *openid.Provider {
		store, err := redisstore.New(redisstore.Config{Client: srv.Client(t), Keys: [][]byte{bytes.Repeat([]byte{7}, 32)}, Prefix: pre})
		require.NoError(t, err)
		cfg := fake.Config("client")
		cfg.Cache = tokencache.New(tokencache.Config{Store: store})
		t.Cleanup(func() { cfg.Cache.Close() })
		cfg.CacheKeySecret = "0123456789abcdef0123456789abcdef"
		cfg.DPoP = &openid.DPoP{Key: key}
		p, err := openid.New(cfg)
		require.NoError(t, err)
		return p
	}
	shared := newECKey(t)
	a, b, c := replica(shared), replica(shared), replica(newECKey(t))
	ctx := context.Background()

	ta, err := a.Token(ctx)
	require.NoError(t, err)
	tb, err := b.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, ta.AccessToken, tb.AccessToken, "same key: one token for the fleet")
	assert.Equal(t, a.DPoPThumbprint(), tb.Extra(dpop.ExtraJKT), "the binding came back from Redis")
	assert.Equal(t, 1, fake.Requests(openidtest.EndpointToken))

	tc, err := c.Token(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, ta.AccessToken, tc.AccessToken, "another key: never the other key's token")
	assert.Equal(t, c.DPoPThumbprint(), tc.Extra(dpop.ExtraJKT))
	assert.Equal(t, 2, fake.Requests(openidtest.EndpointToken))

	status, _ := getResource(t, c.Client(), fake.ResourceURL())
	assert.Equal(t, 200, status)
}
