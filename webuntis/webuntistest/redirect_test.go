package webuntistest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
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
	providertest.LoopbackRedirectAnyPort(t, providertest.LoopbackFake{
		Vendor: "webuntis", Client: srv.Client(), Authorize: srv.Authorize,
		RefusedStatus: http.StatusBadRequest, RefusedCode: "invalid_ressource", Subject: "untis-user-1",
		Provider: func(t *testing.T, redirect string) oauthkit.Provider {
			cfg := srv.Config()
			cfg.RedirectURL = redirect
			p, err := webuntis.New(cfg)
			require.NoError(t, err)
			return p
		},
	})
}
