package unisignintest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// TestAppKinds: Options.App is a confidential client whatever it sets
// (an App without a secret gets a random one, and the token endpoint wants
// it); Options.PublicApp is a public client, and a secret there panics.
func TestAppKinds(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{App: unisignintest.App{ID: "mine"}})
	defer srv.Close()
	app := srv.App()
	assert.Equal(t, "mine", app.ID)
	require.NotEmpty(t, app.Secret, "the web application is confidential: a secret is made up")
	assert.Equal(t, []string{"http://127.0.0.1/auth/unisignin/callback"}, app.RedirectURLs)
	assert.Equal(t, app.Secret, srv.Config().ClientSecret.Reveal())
	assert.Empty(t, srv.PublicConfig().ClientSecret.Reveal())

	// A password grant without the secret is refused: not a public client.
	u := srv.Users()[0]
	a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, url.Values{
		"grant_type": {"password"}, "client_id": {"mine"}, "username": {u.Email}, "password": {u.Password},
	}, nil)
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, "invalid_client", a.body["error"])

	assert.PanicsWithValue(t, "unisignintest: NewServer: Options.PublicApp is a public client and has no secret; a confidential client is Options.App", func() {
		unisignintest.NewServer(unisignintest.Options{PublicApp: unisignintest.App{Secret: "s"}})
	})
}
