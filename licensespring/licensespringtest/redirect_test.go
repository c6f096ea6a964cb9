package licensespringtest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// TestLoopbackRedirectAnyPort: an enabled loopback redirect URI matches on
// any port (RFC 8252 §7.3), at sso_url, at the realm's authorization
// endpoint and at the exchange; any other redirect URI matches exactly or
// is refused (validation_error at sso_url, Keycloak's error page at the
// realm).
func TestLoopbackRedirectAnyPort(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{
		RedirectURLs: []string{"http://127.0.0.1/auth/licensespring/callback", "https://app.example/auth/licensespring/callback"},
	})
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		redirect string
		ok       bool
	}{
		{"http://127.0.0.1:49152/auth/licensespring/callback", true},
		{"http://127.0.0.1/auth/licensespring/callback", true},
		{"https://app.example/auth/licensespring/callback", true},
		{"https://app.example:8443/auth/licensespring/callback", false},
		{"http://localhost:49152/auth/licensespring/callback", false},
		{"http://127.0.0.1:49152/auth/licensespring/callback/", false},
		{"http://127.0.0.1:49152/callback", false},
	} {
		cfg := srv.Config()
		cfg.RedirectURL = tt.redirect
		p, err := licensespring.New(cfg)
		require.NoError(t, err)
		ar, err := p.AuthCodeURL(ctx)
		if !tt.ok {
			require.Error(t, err, tt.redirect)
			assert.Contains(t, err.Error(), "validation_error", tt.redirect)

			// The realm refuses it too, when asked directly.
			q := url.Values{"client_id": {srv.Options().ClientID}, "redirect_uri": {tt.redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"st"}}
			resp, err := srv.Client().Get(srv.Issuer() + "/protocol/openid-connect/auth?" + q.Encode())
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.redirect)
			continue
		}
		require.NoError(t, err, tt.redirect)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, tt.redirect, cb.Scheme+"://"+cb.Host+cb.Path, "the redirect goes to the port asked for")
		login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, "license-user-1", login.UserInfo.Subject)
	}
}
