package unisignintest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
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
	providertest.LoopbackRedirectAnyPort(t, providertest.LoopbackFake{
		Vendor: "unisignin", Client: srv.Client(), Authorize: srv.Authorize,
		RefusedStatus: http.StatusUnauthorized, RefusedCode: "invalid_client", Subject: "1",
		Provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := srv.Config()
			cfg.RedirectURL = redirect
			p, err := unisignin.New(cfg)
			require.NoError(t, err)
			return p
		},
	})
}
