package webuntis_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func mustNew(t *testing.T, cfg webuntis.Config) *webuntis.Provider {
	t.Helper()
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	return p
}

func TestConfigValidation(t *testing.T) {
	ok := webuntis.Config{Tenant: "1234", ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb"}
	tests := []struct {
		name      string
		mutate    func(*webuntis.Config)
		wantField string
	}{
		{"missing tenant", func(c *webuntis.Config) { c.Tenant = "" }, "Tenant"},
		{"blank tenant", func(c *webuntis.Config) { c.Tenant = "  " }, "Tenant"},
		{"tenant with a path", func(c *webuntis.Config) { c.Tenant = "1234/../x" }, "Tenant"},
		{"missing client id", func(c *webuntis.Config) { c.ClientID = "" }, "ClientID"},
		{"no credential at all", func(c *webuntis.Config) { c.ClientSecret = "" }, "ClientSecret"},
		{"clear-text base URL", func(c *webuntis.Config) { c.BaseURL = "http://api.webuntis.com" }, "BaseURL"},
		{"relative redirect URL", func(c *webuntis.Config) { c.RedirectURL = "/cb" }, "RedirectURL"},
		{"scopes without openid", func(c *webuntis.Config) { c.Scopes = []string{"roster-core.readonly"} }, "Scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			_, err := webuntis.New(cfg)
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.wantField, ce.Field)
			assert.Contains(t, err.Error(), tt.wantField)
		})
	}

	p, err := webuntis.New(ok)
	require.NoError(t, err)
	assert.Equal(t, "webuntis", p.Name())
	assert.Contains(t, p.String(), `BaseURL:"https://api.webuntis.com"`, "production is the default")

	_, err = webuntis.New(webuntis.Config{BaseURL: "http://127.0.0.1:9", Tenant: "1", ClientID: "c", Password: "p"})
	assert.NoError(t, err, "loopback http is fine for tests")
}

// TestConfigRefusesBaseURLWithUserQueryOrFragment: BaseURL is checked like
// every vendor's base URL (httpc.CheckBaseURL); WebUntis checked only the
// scheme before, so a user or query in it was let through.
func TestConfigRefusesBaseURLWithUserQueryOrFragment(t *testing.T) {
	for _, u := range []string{"https://user:pw@api.webuntis.com", "https://api.webuntis.com?x=1", "https://api.webuntis.com#f"} {
		_, err := webuntis.New(webuntis.Config{BaseURL: u, Tenant: "1", ClientID: "c", Password: "p"})
		var ce *oauthkit.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "BaseURL", ce.Field)
		assert.NotContains(t, err.Error(), "pw", "the error holds no password")
	}
}

// TestConfigRefusesRedirectURLWithFragment: RFC 6749 §3.1.2.
func TestConfigRefusesRedirectURLWithFragment(t *testing.T) {
	_, err := webuntis.New(webuntis.Config{RedirectURL: "https://app.example/cb#x", Tenant: "1", ClientID: "c", Password: "p"})
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "RedirectURL", ce.Field)
}

func TestEachFlowNamesTheCredentialItNeeds(t *testing.T) {
	ctx := context.Background()
	passwordOnly := mustNew(t, webuntis.Config{Tenant: "1", ClientID: "c", Password: "p"})
	_, err := passwordOnly.AuthCodeURL(ctx)
	assertConfigField(t, err, "ClientSecret")
	_, err = passwordOnly.Exchange(ctx, "code", &oauthkit.AuthRequest{Provider: "webuntis"})
	assertConfigField(t, err, "ClientSecret")
	_, err = passwordOnly.Refresh(ctx, "rt")
	assertConfigField(t, err, "ClientSecret")

	secretOnly := mustNew(t, webuntis.Config{Tenant: "1", ClientID: "c", ClientSecret: "s"})
	_, err = secretOnly.ClientCredentials(ctx)
	assertConfigField(t, err, "Password")
	_, err = secretOnly.AuthCodeURL(ctx)
	assertConfigField(t, err, "RedirectURL")
}

func assertConfigField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, field, ce.Field)
}
