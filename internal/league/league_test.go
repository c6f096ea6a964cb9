package league_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

func endpoint(t *testing.T, secret oauthkit.Secret, body string, vendor func(*oauthkit.Error) string) (*league.Endpoint, *fakeidp.Recorder) {
	t.Helper()
	status := 200
	if body == "" {
		status, body = 500, `{"error":"server_error"}`
	}
	rec := fakeidp.NewRecorder(fakeidp.Reply(status, body))
	t.Cleanup(rec.Close)
	hc := httpc.New(httpc.Options{HTTPClient: rec.Client(), Retry: httpc.Policy{MaxAttempts: 1}})
	return &league.Endpoint{
		Provider: "vendor", TokenURL: rec.URL + "/token", ClientID: "cid", Secret: secret,
		Client: &oauthwire.Client{Provider: "vendor", HTTP: hc}, Advise: vendor,
	}, rec
}

func TestPublicClientSendsNoSecret(t *testing.T) {
	e, rec := endpoint(t, "", `{"access_token":"a","refresh_token":"r2"}`, nil)
	_, err := e.Password(context.Background(), "u", "p", []string{"public", "", "public"})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "username": {"u"}, "password": {"p"}, "scope": {"public"}}, rec.Last().Form)

	_, err = e.ClientCredentials(context.Background(), nil)
	require.Error(t, err, "league ≥ 8 refuses client credentials to public clients")
	assert.Len(t, rec.Requests(), 1)
}

func TestAdvice(t *testing.T) {
	tests := []struct {
		err  oauthkit.Error
		want string
	}{
		{oauthkit.Error{Op: oauthkit.OpRefresh, StatusCode: 400, Code: "invalid_grant"}, league.AdviceNeedsLogin},
		{oauthkit.Error{Op: oauthkit.OpRefresh, StatusCode: 401, Code: "invalid_request", Hint: "Token has been revoked"}, league.AdviceNeedsLogin},
		{oauthkit.Error{Op: oauthkit.OpExchange, StatusCode: 400, Code: "invalid_request", Hint: "Authorization code has expired"}, league.AdviceCode},
		{oauthkit.Error{Op: oauthkit.OpExchange, StatusCode: 400, Code: "invalid_grant", Hint: "Authorization code has been revoked"}, league.AdviceCode},
		{oauthkit.Error{Op: oauthkit.OpExchange, StatusCode: 400, Code: "invalid_request", Hint: "Check the `redirect_uri` parameter"}, ""},
		{oauthkit.Error{Op: oauthkit.OpPassword, StatusCode: 401, Code: "invalid_credentials"}, league.AdvicePassword},
		{oauthkit.Error{Op: oauthkit.OpPassword, StatusCode: 401, Code: "invalid_client"}, league.AdviceClient},
		{oauthkit.Error{Op: oauthkit.OpClientCredentials, StatusCode: 400, Code: "unsupported_grant_type"}, league.AdviceGrant},
		{oauthkit.Error{Op: oauthkit.OpClientCredentials, StatusCode: 500, Code: "server_error"}, ""},
	}
	for _, tt := range tests {
		e := tt.err
		assert.Equal(t, tt.want, league.Advise(&e), "%s %s %s", tt.err.Op, tt.err.Code, tt.err.Hint)
	}
}

func TestVendorAdviceFirst(t *testing.T) {
	vendor := func(e *oauthkit.Error) string {
		if e.Code == "invalid_client" {
			return "vendor says"
		}
		return ""
	}
	e, _ := endpoint(t, "client-secret-123", "", vendor)
	e.Client.HTTP = httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	rec := fakeidp.NewRecorder(fakeidp.Reply(401, `{"error":"invalid_client","message":"Client authentication failed"}`))
	defer rec.Close()
	e.TokenURL = rec.URL
	_, err := e.ClientCredentials(context.Background(), nil)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "vendor says", oe.Advice)

	rec.SetHandler(fakeidp.Reply(400, `{"error":"unsupported_grant_type"}`))
	_, err = e.ClientCredentials(context.Background(), nil)
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, league.AdviceGrant, oe.Advice, "league's advice when the vendor has none")
}
