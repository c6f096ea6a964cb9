package webuntis_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
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

// An ID token in a refresh answer is verified (OpenID Connect Core §12.2)
// before the answer is returned: one that fails withholds the tokens. The
// provider once returned the answer unchecked.
func TestRefreshVerifiesTheIDToken(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)
	// The fake's tenant offers no refresh grant; a discovery document that
	// lists one lets Refresh reach the fake's token endpoint.
	iss := srv.Issuer()
	srv.InjectFault(webuntistest.EndpointDiscovery, oauthkittest.Fault{Status: 200, ContentType: "application/json",
		Body: `{"issuer":"` + iss + `","authorization_endpoint":"` + iss + `/authorize","token_endpoint":"` + iss + `/token",` +
			`"jwks_uri":"` + iss + `/jwks","grant_types_supported":["authorization_code","refresh_token"]}`})
	answer := func(idToken string) {
		srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: 200, Times: 1, ContentType: "application/json",
			Body: `{"access_token":"at-2","token_type":"Bearer","expires_in":300,"id_token":"` + idToken + `"}`})
	}
	now := time.Now()
	claims := func() map[string]any {
		return map[string]any{"iss": iss, "aud": srv.Tenant().ClientID, "sub": "untis-1", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	}

	answer(srv.SignIDToken(claims()))
	tok, err := p.Refresh(context.Background(), "rt-1")
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)

	for name, raw := range map[string]string{
		"not a JWT":        "not-a-jwt",
		"another key":      fakeidp.NewKey("attacker").Sign(claims()),
		"another audience": srv.SignIDToken(with(claims(), "aud", "other-app")),
		"no iat":           srv.SignIDToken(with(claims(), "iat", nil)),
	} {
		answer(raw)
		tok, err := p.Refresh(context.Background(), "rt-1")
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken, name)
		assert.Nil(t, tok, name)
	}
}

// with returns c with k set to v, or removed when v is nil.
func with(c map[string]any, k string, v any) map[string]any {
	if v == nil {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}
