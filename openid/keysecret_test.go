package openid_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestCacheKeySecret: on a Cache with a Store, New needs a key secret, and
// replicas sharing it share the provider's cache keys (see
// cachefault.KeySecretRule).
func TestCacheKeySecret(t *testing.T) {
	cachefault.KeySecretRule(t, func(cache *tokencache.Cache, secret oauthkit.Secret) (oauthkit.UserTokenProvider, error) {
		return openid.New(openid.Config{Issuer: "https://idp.example", ClientID: "app", ClientSecret: "s", Cache: cache, CacheKeySecret: secret})
	})
}
