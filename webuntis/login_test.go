package webuntis_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// The login runs on the standards engine with WebUntis' behaviours kept:
// a max_age AuthOption goes to the server as given, as it always has (the
// engine alone refuses it), with the login's state, nonce and PKCE S256.
func TestAuthCodeURLKeepsMaxAgeParam(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)

	ar, err := p.AuthCodeURL(context.Background(), oauthkit.WithParam("max_age", "300"))
	require.NoError(t, err)
	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "300", q.Get("max_age"))
	assert.Equal(t, ar.State, q.Get("state"))
	assert.Equal(t, ar.Nonce, q.Get("nonce"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
}
