package licensespring_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// login runs a code-grant login against the fake and returns it with the
// sid of its ID token.
func login(t *testing.T, srv *licensespringtest.Server, p *licensespring.Provider) (*oauthkit.Login, string) {
	t.Helper()
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	l, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	var c struct {
		SID string `json:"sid"`
	}
	require.NoError(t, l.IDToken.Claims(&c))
	require.NotEmpty(t, c.SID, "Keycloak's ID tokens carry sid")
	return l, c.SID
}

func TestVerifyLogoutToken(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()
	l, sid := login(t, srv, p)
	sub := l.UserInfo.Subject

	lt, err := p.VerifyLogoutToken(ctx, srv.LogoutToken(sub, sid))
	require.NoError(t, err)
	assert.Equal(t, srv.Issuer(), lt.Issuer)
	assert.Equal(t, []string{"license-users"}, lt.Audience)
	assert.Equal(t, sub, lt.Subject)
	assert.Equal(t, sid, lt.SessionID, "the logout token's sid is the ID token's")
	assert.NotEmpty(t, lt.ID)
	assert.Equal(t, testNow, lt.IssuedAt.UTC())

	other, err := p.VerifyLogoutToken(ctx, srv.LogoutToken(sub, sid))
	require.NoError(t, err)
	assert.NotEqual(t, lt.ID, other.ID, "each logout token has its own jti")

	lt, err = p.VerifyLogoutToken(ctx, srv.LogoutToken("", sid))
	require.NoError(t, err, "sid alone")
	assert.Empty(t, lt.Subject)
	lt, err = p.VerifyLogoutToken(ctx, srv.LogoutToken(sub, ""))
	require.NoError(t, err, "sub alone")
	assert.Empty(t, lt.SessionID)
}

// TestVerifyLogoutTokenFromKeycloak24: Keycloak 24 and older type their
// logout tokens JWT, not logout+jwt; explicit typing is only RECOMMENDED
// (OpenID Connect Back-Channel Logout 1.0 §2.4), so the token is taken.
// Before, it was refused, and such a realm's back-channel logout never got
// through.
func TestVerifyLogoutTokenFromKeycloak24(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{LogoutTokenType: "JWT"}, licensespring.ResponseTypeCode)
	l, sid := login(t, srv, p)
	lt, err := p.VerifyLogoutToken(context.Background(), srv.LogoutToken(l.UserInfo.Subject, sid))
	require.NoError(t, err)
	assert.Equal(t, sid, lt.SessionID)
}

func TestVerifyLogoutTokenRefuses(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()
	l, sid := login(t, srv, p)
	idToken, _ := l.Token.Extra("id_token").(string)
	require.NotEmpty(t, idToken)

	flaws := map[string]licensespringtest.Flaw{
		"wrong audience":        licensespringtest.FlawWrongAudience,
		"other issuer":          licensespringtest.FlawOtherIssuer,
		"expired":               licensespringtest.FlawExpired,
		"iat an hour ago":       licensespringtest.FlawIssuedLongAgo,
		"iat an hour ahead":     licensespringtest.FlawIssuedAhead,
		"nonce":                 licensespringtest.FlawNonce,
		"no events":             licensespringtest.FlawNoEvents,
		"other event":           licensespringtest.FlawOtherEvent,
		"neither sub nor sid":   licensespringtest.FlawNoSubjectOrSession,
		"no jti":                licensespringtest.FlawNoID,
		"typ at+jwt":            licensespringtest.FlawTypeAccessToken,
		"signed by another key": licensespringtest.FlawForeignKey,
	}
	tokens := map[string]string{"the login's ID token": idToken}
	for name, f := range flaws {
		tokens[name] = srv.BrokenLogoutToken(l.UserInfo.Subject, sid, f)
	}
	for name, raw := range tokens {
		t.Run(name, func(t *testing.T) {
			_, err := p.VerifyLogoutToken(ctx, raw)
			require.ErrorIs(t, err, oauthkit.ErrInvalidLogoutToken)
			assert.True(t, strings.HasPrefix(err.Error(), "licensespring: verify logout token: "), err.Error())
			for _, part := range append(strings.Split(raw, "."), raw, sid) {
				assert.NotContains(t, err.Error(), part, "the error quotes the token")
			}
		})
	}
}
