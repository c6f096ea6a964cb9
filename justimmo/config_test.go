package justimmo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

func TestConfigValidation(t *testing.T) {
	ok := justimmo.Config{ClientID: "c", ClientSecret: "s"}
	tests := []struct {
		name   string
		change func(*justimmo.Config)
		field  string
	}{
		{"defaults", func(*justimmo.Config) {}, ""},
		{"with redirect", func(c *justimmo.Config) { c.RedirectURL = testRedirect }, ""},
		{"loopback", func(c *justimmo.Config) { c.AuthURL = "http://127.0.0.1:1"; c.APIURL = "http://[::1]:2/" }, ""},
		{"no client", func(c *justimmo.Config) { c.ClientID = "" }, "ClientID"},
		{"no secret", func(c *justimmo.Config) { c.ClientSecret = "" }, "ClientSecret"},
		{"http auth", func(c *justimmo.Config) { c.AuthURL = "http://auth.justimmo.at" }, "AuthURL"},
		{"http api", func(c *justimmo.Config) { c.APIURL = "http://api.justimmo.at" }, "APIURL"},
		{"api with query", func(c *justimmo.Config) { c.APIURL = "https://api.justimmo.at?x=1" }, "APIURL"},
		{"relative redirect", func(c *justimmo.Config) { c.RedirectURL = "cb" }, "RedirectURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := justimmo.New(cfg)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Equal(t, "justimmo", ce.Provider)
		})
	}
}
