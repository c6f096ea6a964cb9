package licensespring_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// Compile-time check: LicenseSpring keeps users' logins alive in the cache.
var _ oauthkit.UserTokenProvider = (*licensespring.Provider)(nil)

// TestNoCachedClientCredentials: LicenseSpring offers no client-credentials
// grant, so its Provider has none of the cached client-credentials methods a
// caller could mistake for working ones.
func TestNoCachedClientCredentials(t *testing.T) {
	_, p := newFake(t, licensespringtest.Options{}, "code")
	var provider oauthkit.Provider = p
	_, ok := provider.(oauthkit.TokenProvider)
	assert.False(t, ok, "TokenProvider")
	_, ok = provider.(oauthkit.ClientProvider)
	assert.False(t, ok, "ClientProvider")
}
