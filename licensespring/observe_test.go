package licensespring_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// TestProviderReportsTokenRequests: a login's code exchange, a retried
// sso_url lookup and a refused refresh each reach Config.Metrics and
// Config.Logger, and the debug log shows neither the shared key, the code
// nor a token. The exchange and the refresh are single-use, never retried;
// the retry is the sso_url lookup's.
func TestProviderReportsTokenRequests(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock})
	defer srv.Close()
	rec := observetest.New()
	cfg := srv.Config()
	cfg.Logger, cfg.Metrics = rec.Logger(), rec.Metrics()
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()

	srv.InjectFault(licensespringtest.EndpointSSOURL, oauthkittest.Fault{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}, Times: 1})
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	require.Len(t, rec.Retries(), 1)
	assert.Equal(t, oauthkit.RetryInfo{Provider: "licensespring", Op: "sso url", Attempt: 1, Reason: "HTTP 503", StatusCode: 503}, rec.Retries()[0])
	assert.Empty(t, rec.TokenRequests(), "the sso_url lookup is no token request")

	rec.Reset()
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	code := cb.Query().Get("code")
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	rec.CheckTokenRequest(t, observetest.Want{Provider: "licensespring", Op: oauthkit.OpExchange, Outcome: oauthkit.OutcomeOK, StatusCode: 200, Attempts: 1})

	rec.Reset()
	_, err = p.Refresh(ctx, "not-a-refresh-token-1")
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	rec.CheckTokenRequest(t, observetest.Want{Provider: "licensespring", Op: oauthkit.OpRefresh, Outcome: oauthkit.OutcomeError, StatusCode: 400, Attempts: 1})

	rec.NoSecrets(t, cfg.SharedKey.Reveal(), code, ar.CodeVerifier, login.Token.AccessToken, login.Token.RefreshToken, "not-a-refresh-token-1")
}
