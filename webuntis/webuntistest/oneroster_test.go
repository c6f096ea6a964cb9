package webuntistest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// TestOneRosterPagesTheTokensTenant: users and classes are the school the
// token was issued for, in pages of limit from offset; a revoked token is
// answered 401 with a Bearer invalid_token challenge, a missing one without
// an error code.
func TestOneRosterPagesTheTokensTenant(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.AddTenant(webuntistest.Tenant{ID: "other", ClientID: "app", Users: 7, Classes: 3})
	other, _ := srv.TenantByID("other")
	cfg := srv.Config()
	cfg.Tenant, cfg.ClientID, cfg.Password, cfg.ClientSecret = other.ID, other.ClientID, oauthkit.Secret(other.Password), ""
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	tok, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)

	get := func(path string, withToken bool) (*http.Response, map[string][]map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if withToken {
			tok.SetAuthHeader(req)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string][]map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	resp, body := get("/ims/oneroster/v1p1/users?limit=5&offset=5", true)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("X-Total-Count"))
	require.Len(t, body["users"], 2)
	assert.Equal(t, "other-u-6", body["users"][0]["sourcedId"])
	_, body = get("/ims/oneroster/v1p1/classes", true)
	assert.Len(t, body["classes"], 3)
	resp, _ = get("/ims/oneroster/v1p1/users?limit=0", true)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, _ = get("/ims/oneroster/v1p1/users", false)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="oneroster"`, resp.Header.Get("WWW-Authenticate"))

	srv.RevokeTokens(srv.Tenant().ID) // another tenant: this token still works
	resp, _ = get("/ims/oneroster/v1p1/users", true)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	srv.RevokeTokens("other")
	resp, _ = get("/ims/oneroster/v1p1/users", true)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="oneroster", error="invalid_token"`, resp.Header.Get("WWW-Authenticate"))
	tok2, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)
	tok = tok2
	resp, _ = get("/ims/oneroster/v1p1/users", true)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a new token works")
}
