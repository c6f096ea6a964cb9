package licensespring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// An ID token in a refresh answer is verified (OpenID Connect Core §12.2)
// against the realm's keys before the answer is returned: one that fails
// withholds the tokens. The provider once returned the answer unchecked.
// An answer without one needs no discovery document when the sso_url
// answer names the token endpoint.
func TestRefreshVerifiesTheIDToken(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(map[string]any)
		want   error
	}{
		{name: "the realm's own"},
		{name: "another audience", mutate: func(c map[string]any) { c["aud"], c["azp"] = "other-client", "other-client" }, want: oauthkit.ErrIDTokenAudience},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = testNow.Add(-time.Minute).Unix() }, want: oauthkit.ErrIDTokenExpired},
		{name: "no iat", mutate: func(c map[string]any) { delete(c, "iat") }, want: oauthkit.ErrInvalidIDToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
			ctx := context.Background()
			login := logIn(t, srv, p)
			require.NotEmpty(t, login.Token.RefreshToken)

			srv.MutateIDTokens(tt.mutate)
			tok, err := p.Refresh(ctx, login.Token.RefreshToken)
			if tt.want == nil {
				require.NoError(t, err)
				assert.NotEmpty(t, tok.Extra("id_token"))
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
			assert.Nil(t, tok)
		})
	}
	t.Run("not a JWT", func(t *testing.T) {
		srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
		srv.InjectFault(licensespringtest.EndpointToken, oauthkittest.Fault{Status: 200, ContentType: "application/json",
			Body: `{"access_token":"at-2","token_type":"Bearer","expires_in":300,"id_token":"not-a-jwt"}`})
		tok, err := p.Refresh(context.Background(), "rt-1")
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
		assert.Nil(t, tok)
	})
}

// Without an ID token in its answer, Refresh asks for no discovery
// document when the sso_url answer names the token endpoint.
func TestRefreshWithoutIDTokenNeedsNoDiscovery(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	srv.InjectFault(licensespringtest.EndpointToken, oauthkittest.Fault{Status: 200, ContentType: "application/json",
		Body: `{"access_token":"at-2","token_type":"Bearer","expires_in":300}`})

	tok, err := p.Refresh(context.Background(), "rt-1")
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	assert.Zero(t, srv.Requests(licensespringtest.EndpointDiscovery))
}

// A user's token source refuses a refresh whose ID token names another
// user than the login's (OpenID Connect Core §12.2): the answer is not
// served, and the error says a new login is needed.
func TestUserTokenSourceRefusesAnotherUsersIDToken(t *testing.T) {
	// The real clock: the provider's token cache runs on it.
	srv, p := newFake(t, licensespringtest.Options{Now: time.Now}, licensespring.ResponseTypeCode)
	login := func() *oauth2.Token {
		t.Helper()
		tok := *logIn(t, srv, p).Token
		tok.Expiry = time.Now().Add(-time.Minute) // renewed on first use
		return &tok
	}

	tok, err := p.UserTokenSource("user-1", login()).Token()
	require.NoError(t, err, "refreshed for the login's user")
	assert.NotEmpty(t, tok.Extra("id_token"))

	seed := login()
	srv.MutateIDTokens(func(c map[string]any) { c["sub"] = "someone-else" })
	tok, err = p.UserTokenSource("user-2", seed).Token()
	require.ErrorIs(t, err, oauthkit.ErrSubjectChanged)
	assert.True(t, oauthkit.NeedsLogin(err))
	assert.Nil(t, tok)
}

// logIn runs a code login at srv and returns it.
func logIn(t *testing.T, srv *licensespringtest.Server, p *licensespring.Provider) *oauthkit.Login {
	t.Helper()
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	return login
}
