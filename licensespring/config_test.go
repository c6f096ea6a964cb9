package licensespring_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

func TestConfigValidation(t *testing.T) {
	good := licensespring.Config{APIKey: "k", SharedKey: "s", Product: "p", CustomerAccountCode: "c"}
	tests := []struct {
		name  string
		edit  func(*licensespring.Config)
		field string
	}{
		{"api key", func(c *licensespring.Config) { c.APIKey = "" }, "APIKey"},
		{"api key with a quote", func(c *licensespring.Config) { c.APIKey = `k"` }, "APIKey"},
		{"shared key", func(c *licensespring.Config) { c.SharedKey = "" }, "SharedKey"},
		{"product", func(c *licensespring.Config) { c.Product = " " }, "Product"},
		{"customer", func(c *licensespring.Config) { c.CustomerAccountCode = "" }, "CustomerAccountCode"},
		{"response type", func(c *licensespring.Config) { c.ResponseType = "id_token" }, "ResponseType"},
		{"api url http", func(c *licensespring.Config) { c.APIURL = "http://api.licensespring.com" }, "APIURL"},
		{"redirect relative", func(c *licensespring.Config) { c.RedirectURL = "/cb" }, "RedirectURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			_, err := licensespring.New(cfg)
			var ce *oauthkit.ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, tt.field, ce.Field)
		})
	}
	p, err := licensespring.New(good)
	require.NoError(t, err)
	assert.Contains(t, p.String(), `APIURL:"https://api.licensespring.com"`)
	assert.Contains(t, p.String(), `ResponseType:"code"`)
}

// TestConfigRefusesAPIURLWithUser: APIURL is checked like every vendor's
// base URL (httpc.CheckBaseURL); a user in it was let through before.
func TestConfigRefusesAPIURLWithUser(t *testing.T) {
	for _, u := range []string{"https://user:pw@api.licensespring.com", "https://user@api.licensespring.com", "https://api.licensespring.com?x=1", "https://api.licensespring.com/#f"} {
		_, err := licensespring.New(licensespring.Config{APIURL: u, APIKey: "k", SharedKey: "s", Product: "p", CustomerAccountCode: "c"})
		var ce *oauthkit.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "APIURL", ce.Field)
		assert.NotContains(t, err.Error(), "pw", "the error holds no password")
	}
}

// TestConfigRefusesRedirectURLWithFragment: RFC 6749 §3.1.2.
func TestConfigRefusesRedirectURLWithFragment(t *testing.T) {
	_, err := licensespring.New(licensespring.Config{RedirectURL: "https://app.example/cb#x", APIKey: "k", SharedKey: "s", Product: "p", CustomerAccountCode: "c"})
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "RedirectURL", ce.Field)
}
