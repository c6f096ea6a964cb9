package justimmo_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest/cachefault"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestCacheKeySecret: on a Cache with a Store, New needs a key secret, and
// replicas sharing it share the provider's cache keys (see
// cachefault.KeySecretRule).
func TestCacheKeySecret(t *testing.T) {
	cachefault.KeySecretRule(t, func(cache *tokencache.Cache, secret oauthkit.Secret) (oauthkit.UserTokenProvider, error) {
		return justimmo.New(justimmo.Config{ClientID: "app", ClientSecret: "client-secret", Cache: cache, CacheKeySecret: secret})
	})
}
