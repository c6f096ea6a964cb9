package cachefault

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// NewProvider makes a vendor's Provider with Config.Cache and
// Config.CacheKeySecret set to cache and secret.
type NewProvider func(cache *tokencache.Cache, secret oauthkit.Secret) (oauthkit.UserTokenProvider, error)

// KeySecretRule checks the rule of a vendor's cache keys on a Store that
// replicas share: New refuses a Cache with a Store but no key secret, or a
// secret under 16 bytes, with a ConfigError on CacheKeySecret; two
// replicas (two Providers, each with a Cache of its own, on one Store)
// reach the Store under the same key exactly when they share the secret,
// set as Config.CacheKeySecret or as the Cache's tokencache.Config.KeySecret.
func KeySecretRule(t *testing.T, newProvider NewProvider) {
	const secret = "fleet-secret-0123456789abcdef"
	store := &keyStore{}
	cache := func(keySecret string) *tokencache.Cache {
		c := tokencache.New(tokencache.Config{Store: store, KeySecret: oauthkit.Secret(keySecret)})
		t.Cleanup(func() { c.Close() })
		return c
	}

	for name, tc := range map[string]struct {
		cacheSecret, secret string
	}{
		"no secret":                  {},
		"CacheKeySecret too short":   {secret: "short-secret"},
		"Config.KeySecret too short": {cacheSecret: "short-secret"},
	} {
		_, err := newProvider(cache(tc.cacheSecret), oauthkit.Secret(tc.secret))
		var ce *oauthkit.ConfigError
		require.ErrorAs(t, err, &ce, name)
		assert.Equal(t, "CacheKeySecret", ce.Field, name)
		assert.NotContains(t, err.Error(), "short-secret", name)
	}

	// keyOf returns the key a Provider's user token reaches the Store under.
	keyOf := func(cacheSecret, secret string) string {
		t.Helper()
		p, err := newProvider(cache(cacheSecret), oauthkit.Secret(secret))
		require.NoError(t, err)
		expired := &oauth2.Token{AccessToken: "old", RefreshToken: "rt", Expiry: time.Now().Add(-time.Hour)}
		tok, err := p.UserTokenSource("user-1", expired).Token()
		require.NoError(t, err)
		require.Equal(t, "from-store", tok.AccessToken, "the token came from the Store")
		return store.last()
	}
	a := keyOf("", secret)
	assert.Equal(t, a, keyOf("", secret), "two replicas with one CacheKeySecret share a key")
	assert.Equal(t, a, keyOf(secret, ""), "the Cache's KeySecret is the same secret")
	assert.Equal(t, a, keyOf("another-secret-0123456789", secret), "CacheKeySecret overrides the Cache's")
	assert.NotEqual(t, a, keyOf("", "another-secret-0123456789"), "another secret, another key")
}

// keyStore is a Store that records the keys asked for and holds a fresh
// token under every key.
type keyStore struct {
	mu   sync.Mutex
	keys []string
}

func (s *keyStore) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.keys) == 0 {
		return ""
	}
	return s.keys[len(s.keys)-1]
}

func (s *keyStore) Get(_ context.Context, key string) (tokencache.Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
	return tokencache.Stored{Token: &oauth2.Token{AccessToken: "from-store", RefreshToken: "rt-2", Expiry: time.Now().Add(time.Hour)}, Rev: "1"}, nil
}

func (s *keyStore) CompareAndSwap(context.Context, string, string, *oauth2.Token, time.Duration) (bool, error) {
	return false, errors.New("keyStore: not written")
}

func (s *keyStore) Delete(context.Context, string) error { return nil }

func (s *keyStore) Lease(context.Context, string, time.Duration) (func(context.Context) error, error) {
	return func(context.Context) error { return nil }, nil
}
