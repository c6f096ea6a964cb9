package webuntistest_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// TestLoopbackRedirectAnyPort: a registered loopback redirect URL matches on
// any port (RFC 8252 §7.3), through authorize and exchange; any other
// redirect URL matches exactly or gets invalid_ressource.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{
		RedirectURLs: []string{"http://127.0.0.1/auth/webuntis/callback", "https://app.example/auth/webuntis/callback"},
	}})
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		redirect string
		ok       bool
	}{
		{"http://127.0.0.1:49152/auth/webuntis/callback", true},
		{"http://127.0.0.1/auth/webuntis/callback", true},
		{"https://app.example/auth/webuntis/callback", true},
		{"https://app.example:8443/auth/webuntis/callback", false},
		{"http://localhost:49152/auth/webuntis/callback", false},
		{"http://127.0.0.1:49152/auth/webuntis/callback/", false},
		{"http://127.0.0.1:49152/callback", false},
	} {
		cfg := srv.Config()
		cfg.RedirectURL = tt.redirect
		p, err := webuntis.New(cfg)
		require.NoError(t, err)
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		if !tt.ok {
			resp, err := srv.Client().Get(ar.URL)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tt.redirect)
			assert.Contains(t, string(body), "invalid_ressource", tt.redirect)
			continue
		}
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, tt.redirect, cb.Scheme+"://"+cb.Host+cb.Path, "the redirect goes to the port asked for")
		login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, "untis-user-1", login.UserInfo.Subject)
	}
}
