package webuntis_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// TestProviderReportsTokenRequests: a success, a retry and a refusal of the
// client-credentials flow each reach Config.Metrics and Config.Logger, and
// the debug log shows neither credential nor token.
func TestProviderReportsTokenRequests(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	rec := observetest.New()
	cfg := srv.Config()
	cfg.Logger, cfg.Metrics = rec.Logger(), rec.Metrics()
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	want := observetest.Want{Provider: "webuntis", Op: oauthkit.OpClientCredentials, Outcome: oauthkit.OutcomeOK, StatusCode: 200, Attempts: 1}
	var tokens []string

	tok, err := p.ClientCredentials(ctx)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken)
	rec.CheckTokenRequest(t, want)

	rec.Reset()
	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}, Times: 1})
	tok, err = p.ClientCredentials(ctx)
	require.NoError(t, err)
	tokens = append(tokens, tok.AccessToken)
	want.Attempts = 2
	rec.CheckTokenRequest(t, want)
	assert.Equal(t, 503, rec.Retries()[0].StatusCode)

	rec.Reset()
	bad := cfg
	bad.Password = "wrong-platform-password"
	bad.BasicEncoding = webuntis.BasicRaw
	pb, err := webuntis.New(bad)
	require.NoError(t, err)
	_, err = pb.ClientCredentials(ctx)
	require.Error(t, err)
	rec.CheckTokenRequest(t, observetest.Want{Provider: "webuntis", Op: oauthkit.OpClientCredentials, Outcome: oauthkit.OutcomeError, StatusCode: 401, Attempts: 1})
	assert.Contains(t, rec.Log(), `"error":{"provider":"webuntis"`, "the error is logged through its LogValue")

	tenant := srv.Tenant()
	rec.NoSecrets(t, append(tokens, tenant.Password, tenant.ClientSecret, "wrong-platform-password")...)
}

// TestWebhookHandlerReportsEvents: each webhook request is one event with
// its outcome and, once verified, the event type and tenant id, and the
// credentials it carried are in no log record.
func TestWebhookHandlerReportsEvents(t *testing.T) {
	fake := webuntistest.NewServer(webuntistest.Options{})
	defer fake.Close()
	key, err := webuntis.ParseWebhookKey(fake.WebhookKey())
	require.NoError(t, err)
	rec := observetest.New()
	var failStore atomic.Bool
	h, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		Key:   key,
		Check: webuntis.Config{BaseURL: fake.URL, HTTPClient: fake.Client()}, // the live check asks the fake
		Store: func(ctx context.Context, c *webuntis.Credentials) error {
			if failStore.Load() {
				return assert.AnError
			}
			return nil
		},
		Logger:  rec.Logger(),
		Metrics: rec.Metrics(),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	tenant := fake.Tenant()

	status, err := fake.SendCredentials(ctx, srv.URL, webuntis.EventReset)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, status)
	failStore.Store(true)
	status, err = fake.SendCredentials(ctx, srv.URL, webuntis.EventCreated)
	require.NoError(t, err)
	require.Equal(t, http.StatusInternalServerError, status)
	resp, err := http.Post(srv.URL, "application/json", nil) // unsigned
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	assert.Equal(t, []oauthkit.WebhookInfo{
		{Provider: "webuntis", EventType: webuntis.EventReset, Tenant: tenant.ID, Outcome: oauthkit.OutcomeOK, StatusCode: 204},
		{Provider: "webuntis", EventType: webuntis.EventCreated, Tenant: tenant.ID, Outcome: oauthkit.OutcomeStoreFailed, StatusCode: 500},
		{Provider: "webuntis", Outcome: oauthkit.OutcomeBadSignature, StatusCode: 401},
	}, rec.Webhooks())
	assert.Contains(t, rec.Log(), `"msg":"oauthkit: webhook","provider":"webuntis","outcome":"ok","status":204,"event_type":"RESET","tenant":"`+tenant.ID+`"`)
	rec.NoSecrets(t, tenant.Password, tenant.ClientSecret)
}

func TestNewWebhookHandlerValidates(t *testing.T) {
	_, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{})
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Key", ce.Field)
}
