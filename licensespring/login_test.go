package licensespring_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// The Keycloak login runs on the standards engine with LicenseSpring's
// behaviours kept: Refresh returns the answer without verifying an ID
// token in it, as it always has (the engine alone verifies it, OpenID
// Connect Core §12.2), and asks for no discovery document when the sso_url
// answer names the token endpoint.
func TestRefreshLeavesTheIDTokenUnchecked(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	srv.InjectFault(licensespringtest.EndpointToken, oauthkittest.Fault{Status: 200, ContentType: "application/json",
		Body: `{"access_token":"at-2","token_type":"Bearer","expires_in":300,"id_token":"not-a-jwt"}`})

	tok, err := p.Refresh(context.Background(), "rt-1")
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	assert.Zero(t, srv.Requests(licensespringtest.EndpointDiscovery))
}
