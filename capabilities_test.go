package oauthkit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// TestLogoutAndRevocationCapabilities: a provider claims back-channel logout
// and revocation only where its vendor documents them (each vendor page under
// docs/vendors, "Logout and revocation"): LicenseSpring's Keycloak does; the
// other three document neither, and a web handler must not offer a
// back-channel logout endpoint or revoke at logout for them.
func TestLogoutAndRevocationCapabilities(t *testing.T) {
	for _, tt := range []struct {
		provider any
		both     bool
	}{
		{(*licensespring.Provider)(nil), true},
		{(*webuntis.Provider)(nil), false},
		{(*unisignin.Provider)(nil), false},
		{(*justimmo.Provider)(nil), false},
	} {
		_, logout := tt.provider.(oauthkit.LogoutTokenVerifier)
		_, revoke := tt.provider.(oauthkit.TokenRevoker)
		assert.Equal(t, tt.both, logout, "%T implements LogoutTokenVerifier", tt.provider)
		assert.Equal(t, tt.both, revoke, "%T implements TokenRevoker", tt.provider)
	}
}
