package justimmo_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// TestProviderReportsTokenRequests: a success, a retry and a refusal of the
// client-credentials flow each reach Config.Metrics and Config.Logger, and
// the debug log shows neither secret nor token.
func TestProviderReportsTokenRequests(t *testing.T) {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	rec := observetest.New()
	cfg := srv.Config()
	cfg.Logger, cfg.Metrics = rec.Logger(), rec.Metrics()
	p, err := justimmo.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	want := observetest.Want{Provider: "justimmo", Op: oauthkit.OpClientCredentials, Outcome: oauthkit.OutcomeOK, StatusCode: 200, Attempts: 1}
	var tokens []string

	tok, err := p.ClientCredentials(ctx)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken)
	rec.CheckTokenRequest(t, want)

	rec.Reset()
	srv.InjectFault(justimmotest.EndpointToken, oauthkittest.Fault{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}, Times: 1})
	tok, err = p.ClientCredentials(ctx)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken)
	want.Attempts = 2
	rec.CheckTokenRequest(t, want)

	rec.Reset()
	bad := cfg
	bad.ClientSecret = "wrong-client-secret"
	pb, err := justimmo.New(bad)
	require.NoError(t, err)
	_, err = pb.ClientCredentials(ctx)
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	rec.CheckTokenRequest(t, observetest.Want{Provider: "justimmo", Op: oauthkit.OpClientCredentials, Outcome: oauthkit.OutcomeError, StatusCode: 401, Attempts: 1})
	assert.Equal(t, "invalid_client", rec.TokenRequests()[0].ErrorCode)

	rec.NoSecrets(t, append(tokens, srv.App().Secret, "wrong-client-secret")...)
}
