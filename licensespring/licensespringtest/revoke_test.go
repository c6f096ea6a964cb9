package licensespringtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// TestRevokeEndpointIsStrict: the realm's revocation endpoint takes a POST
// with a form body from the public client only (RFC 7009 §2.1), and
// answers Keycloak's errors otherwise.
func TestRevokeEndpointIsStrict(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }})
	defer srv.Close()
	refresh := srv.refresh.Issue(fakeidp.Issued{ClientID: "license-users", Subject: "u", Expires: now.Add(time.Hour)})
	otherClients := srv.refresh.Issue(fakeidp.Issued{ClientID: "another-client", Subject: "u", Expires: now.Add(time.Hour)})
	revokeURL := srv.Issuer() + "/protocol/openid-connect/revoke"
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	tests := []struct {
		name        string
		method      string
		query       string
		contentType string
		auth        string
		body        string
		status      int
		code        string
	}{
		{name: "GET", method: http.MethodGet, status: 405, code: "invalid_request"},
		{name: "JSON body", body: `{"token":"x","client_id":"license-users"}`, contentType: "application/json", status: 400, code: "invalid_request"},
		{name: "no client_id", body: form("token", "x"), status: 401, code: "invalid_client"},
		{name: "other client_id", body: form("token", "x", "client_id", "other"), status: 401, code: "invalid_client"},
		{name: "Basic credentials for the public client", body: form("token", "x", "client_id", "license-users"), auth: "Basic bGljZW5zZS11c2VyczpzZWNyZXQ=", status: 401, code: "invalid_client"},
		{name: "no token", body: form("client_id", "license-users"), status: 400, code: "invalid_request"},
		{name: "token in the URL", query: "token=x", body: form("client_id", "license-users", "token", "x"), status: 400, code: "invalid_request"},
		{name: "duplicated token", body: form("client_id", "license-users", "token", "x", "token", "y"), status: 400, code: "invalid_request"},
		{name: "unknown hint", body: form("client_id", "license-users", "token", "x", "token_type_hint", "id_token"), status: 400, code: "unsupported_token_type"},
		{name: "another client's token", body: form("client_id", "license-users", "token", otherClients), status: 400, code: "invalid_request"},
		{name: "unknown token", body: form("client_id", "license-users", "token", "never-issued"), status: 200},
		{name: "refresh token", body: form("client_id", "license-users", "token", refresh, "token_type_hint", "refresh_token"), status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			u := revokeURL
			if tt.query != "" {
				u += "?" + tt.query
			}
			req, err := http.NewRequest(method, u, strings.NewReader(tt.body))
			require.NoError(t, err)
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			if tt.code != "" {
				var body map[string]string
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
				assert.Equal(t, tt.code, body["error"])
			}
		})
	}
	_, ok := srv.refresh.Lookup(refresh, now)
	assert.False(t, ok, "the refresh token is revoked")
	_, ok = srv.refresh.Lookup(otherClients, now)
	assert.True(t, ok, "another client's token is not")
	assert.Equal(t, []Revocation{
		{ClientID: "license-users"},
		{ClientID: "license-users", Hint: "refresh_token", Revoked: "refresh_token"},
	}, srv.Revocations())
}

func TestDiscoveryAdvertisesRevocationAndBackchannelLogout(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	resp, err := srv.Client().Get(srv.Issuer() + "/.well-known/openid-configuration")
	require.NoError(t, err)
	defer resp.Body.Close()
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	assert.Equal(t, srv.Issuer()+"/protocol/openid-connect/revoke", doc["revocation_endpoint"], "Keycloak's layout")
	assert.Equal(t, true, doc["backchannel_logout_supported"])
	assert.Equal(t, true, doc["backchannel_logout_session_supported"])
}
