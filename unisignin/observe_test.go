package unisignin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// TestProviderReportsTokenRequests: a success, a retry and a refusal of the
// password grant each reach Config.Metrics and Config.Logger, and the debug
// log shows neither password, client secret nor token.
func TestProviderReportsTokenRequests(t *testing.T) {
	const password = "correct horse+battery"
	srv, _ := newFake(t, 8)
	rec := observetest.New()
	cfg := srv.Config()
	cfg.Logger, cfg.Metrics = rec.Logger(), rec.Metrics()
	p, err := unisignin.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	want := observetest.Want{Provider: "unisignin", Op: oauthkit.OpPassword, Outcome: oauthkit.OutcomeOK, StatusCode: 200, Attempts: 1}
	var tokens []string

	tok, err := p.PasswordToken(ctx, "ada@example.com", password)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken, tok.RefreshToken)
	rec.CheckTokenRequest(t, want)

	rec.Reset()
	srv.InjectFault(unisignintest.EndpointToken, oauthkittest.Fault{Status: http.StatusBadGateway, Header: http.Header{"Retry-After": {"0"}}, Times: 1})
	tok, err = p.PasswordToken(ctx, "ada@example.com", password)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken, tok.RefreshToken)
	want.Attempts = 2
	rec.CheckTokenRequest(t, want)

	rec.Reset()
	_, err = p.PasswordToken(ctx, "ada@example.com", "wrong-password-123")
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	want.Outcome, want.StatusCode, want.Attempts = oauthkit.OutcomeError, rec.TokenRequests()[0].StatusCode, 1
	require.GreaterOrEqual(t, want.StatusCode, 400)
	rec.CheckTokenRequest(t, want)

	rec.NoSecrets(t, append(tokens, password, "wrong-password-123", cfg.ClientSecret.Reveal())...)
}
