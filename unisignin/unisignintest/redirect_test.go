package unisignintest_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// TestLoopbackRedirectAnyPort: a registered loopback redirect URL matches on
// any port (RFC 8252 §7.3), through authorize and exchange; any other
// redirect URL matches exactly or gets league's invalid_client.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{App: unisignintest.App{
		RedirectURLs: []string{"http://127.0.0.1/auth/unisignin/callback", "https://app.example/auth/unisignin/callback"},
	}})
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		redirect string
		ok       bool
	}{
		{"http://127.0.0.1:49152/auth/unisignin/callback", true},
		{"http://127.0.0.1/auth/unisignin/callback", true},
		{"https://app.example/auth/unisignin/callback", true},
		{"https://app.example:8443/auth/unisignin/callback", false},
		{"http://localhost:49152/auth/unisignin/callback", false},
		{"http://127.0.0.1:49152/auth/unisignin/callback/", false},
		{"http://127.0.0.1:49152/callback", false},
	} {
		cfg := srv.Config()
		cfg.RedirectURL = tt.redirect
		p, err := unisignin.New(cfg)
		require.NoError(t, err)
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		if !tt.ok {
			resp, err := srv.Client().Get(ar.URL)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, tt.redirect)
			assert.Contains(t, string(body), "invalid_client", tt.redirect)
			continue
		}
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, tt.redirect, cb.Scheme+"://"+cb.Host+cb.Path, "the redirect goes to the port asked for")
		login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, "1", login.UserInfo.Subject)
	}
}
