package unisignin_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

func TestConfigValidation(t *testing.T) {
	ok := unisignin.Config{BaseURL: "https://acme.unisignin.example", ClientID: "c"}
	tests := []struct {
		name   string
		change func(*unisignin.Config)
		field  string
	}{
		{"valid app", func(*unisignin.Config) {}, ""},
		{"valid web", func(c *unisignin.Config) { c.ClientSecret = "x"; c.RedirectURL = webRedirect }, ""},
		{"trailing slash", func(c *unisignin.Config) { c.BaseURL += "/" }, ""},
		{"loopback http", func(c *unisignin.Config) { c.BaseURL = "http://127.0.0.1:8080" }, ""},
		{"app scheme redirect", func(c *unisignin.Config) { c.RedirectURL = appRedirect }, ""},
		{"no base", func(c *unisignin.Config) { c.BaseURL = "" }, "BaseURL"},
		{"http base", func(c *unisignin.Config) { c.BaseURL = "http://acme.unisignin.example" }, "BaseURL"},
		{"base with query", func(c *unisignin.Config) { c.BaseURL = "https://acme.example/?x=1" }, "BaseURL"},
		{"relative base", func(c *unisignin.Config) { c.BaseURL = "acme.example" }, "BaseURL"},
		{"no client", func(c *unisignin.Config) { c.ClientID = "" }, "ClientID"},
		{"relative redirect", func(c *unisignin.Config) { c.RedirectURL = "/callback" }, "RedirectURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := unisignin.New(cfg)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Equal(t, "unisignin", ce.Provider)
		})
	}
}

func TestConfigScopesNotShared(t *testing.T) {
	scopes := []string{"public"}
	p, err := unisignin.New(unisignin.Config{BaseURL: "https://a.example", ClientID: "c", RedirectURL: webRedirect, Scopes: scopes})
	require.NoError(t, err)
	scopes[0] = "changed"
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	u, _ := url.Parse(ar.URL)
	assert.Equal(t, "public", u.Query().Get("scope"), "New must copy the caller's scopes")
}
