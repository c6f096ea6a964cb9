package openid_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// kmsSigner is a crypto.Signer of a type go-jose does not know, as a KMS
// client's is.
type kmsSigner struct{ k crypto.Signer }

func (s kmsSigner) Public() crypto.PublicKey { return s.k.Public() }
func (s kmsSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(r, digest, opts)
}

func TestLoginWithEveryClientAuthMethod(t *testing.T) {
	rk, ek, dk := clientKeys()
	tests := []struct {
		name    string
		client  openidtest.App
		key     *openid.ClientKey
		methods []string // the server's token_endpoint_auth_methods_supported; nil: all
	}{
		{name: "client_secret_basic", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthClientSecretBasic}},
		{name: "client_secret_basic with characters to encode", client: openidtest.App{ID: "rp:1%", AuthMethod: openid.AuthClientSecretBasic, Secret: "s:e c+r%t/="}},
		{name: "client_secret_post", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthClientSecretPost}, methods: []string{"client_secret_post", "private_key_jwt"}},
		{name: "private_key_jwt RS256", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "rsa-1"},
			key: &openid.ClientKey{ID: "rsa-1", Signer: rk}},
		{name: "private_key_jwt ES256", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: ek.Public(), KeyID: "ec-1"},
			key: &openid.ClientKey{ID: "ec-1", Signer: ek}},
		{name: "private_key_jwt EdDSA", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: dk.Public(), KeyID: "ed-1"},
			key: &openid.ClientKey{ID: "ed-1", Signer: dk}},
		{name: "private_key_jwt ES256 in a KMS (crypto.Signer)", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: ek.Public(), KeyID: "kms-1"},
			key: &openid.ClientKey{ID: "kms-1", Signer: kmsSigner{ek}}},
		{name: "private_key_jwt RS256 by a Sign callback", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "cb-1"},
			key: &openid.ClientKey{ID: "cb-1", Algorithm: "RS256", Sign: func(ctx context.Context, in []byte) ([]byte, error) {
				require.NoError(t, ctx.Err())
				sum := sha256.Sum256(in)
				return rk.Sign(nil, sum[:], crypto.SHA256)
			}}},
		{name: "none (public client)", client: openidtest.App{ID: "rp", AuthMethod: openid.AuthNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, openidtest.Options{Apps: []openidtest.App{tt.client}, AuthMethods: tt.methods}, func(c *openid.Config) { c.ClientKey = tt.key })
			m, err := e.p.AuthMethod(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.client.AuthMethod, m, "chosen from the metadata and the credential")
			login, err := e.login(t)
			require.NoError(t, err)
			assert.Equal(t, "user-1", login.UserInfo.Subject)
			assert.Equal(t, "ada@example.com", login.UserInfo.Email)
			require.NotNil(t, login.IDToken)
			assert.Equal(t, e.fake.Issuer(), login.IDToken.Issuer)
			assert.NotEmpty(t, login.Token.RefreshToken)
		})
	}
}

func TestAuthorizationURL(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, func(c *openid.Config) {
		c.MaxAge = 10 * time.Minute
		c.ACRValues = []string{"urn:example:loa:2"}
		c.Scopes = []string{"openid", "email"}
	})
	ar, err := e.p.AuthCodeURL(context.Background(), oauthkit.WithPrompt("login"), oauthkit.WithLoginHint("ada@example.com"), oauthkit.WithScopes("offline_access"))
	require.NoError(t, err)
	_, err = e.fake.Authorize(context.Background(), ar.URL)
	require.NoError(t, err)
	q := e.fake.LastAuthorization()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "client", q.Get("client_id"))
	assert.Equal(t, "openid email offline_access", q.Get("scope"))
	assert.Equal(t, ar.State, q.Get("state"))
	assert.Equal(t, ar.Nonce, q.Get("nonce"))
	sum := sha256.Sum256([]byte(ar.CodeVerifier))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), q.Get("code_challenge"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, "600", q.Get("max_age"))
	assert.Equal(t, "urn:example:loa:2", q.Get("acr_values"))
	assert.Equal(t, "login", q.Get("prompt"))
	assert.Equal(t, "ada@example.com", q.Get("login_hint"))
	assert.Equal(t, e.fake.Issuer(), ar.Issuer)
	assert.True(t, ar.RequireIssuer, "the metadata advertises RFC 9207 iss")

	_, err = e.p.AuthCodeURL(context.Background(), oauthkit.WithParam("max_age", "1"))
	require.ErrorContains(t, err, "Config.MaxAge")
}

func TestMaxAgeChecksAuthTime(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c map[string]any, now time.Time)
		want   error
	}{
		{name: "fresh auth_time", mutate: func(map[string]any, time.Time) {}},
		{name: "auth_time older than max_age", mutate: func(c map[string]any, now time.Time) { c["auth_time"] = now.Add(-time.Hour).Unix() }, want: oauthkit.ErrIDTokenExpired},
		{name: "no auth_time", mutate: func(c map[string]any, _ time.Time) { delete(c, "auth_time") }, want: oauthkit.ErrInvalidIDToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.MaxAge = 5 * time.Minute })
			e.fake.MutateIDTokens(func(c map[string]any) { tt.mutate(c, e.clock.Now()) })
			_, err := e.login(t)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.ErrorContains(t, err, "auth_time")
		})
	}
}

func TestMixUpCallbackIssuerIsRefused(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	e.fake.SetMixUp(openidtest.MixUp{CallbackIssuer: "https://attacker.example"})
	_, err := e.login(t)
	require.ErrorIs(t, err, oauthkit.ErrIssuerMismatch)
	assert.Zero(t, e.fake.Requests(openidtest.EndpointToken), "the code never reaches the token endpoint")
}

func TestCallbackWithoutAdvertisedIssIsRefused(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	ar, cb := e.callback(t)
	cb.Del("iss")
	_, err := oauthkit.Complete(context.Background(), e.p, ar, cb)
	require.ErrorIs(t, err, oauthkit.ErrIssuerMismatch)
}

func TestCallbackWithoutIssAcceptedWhenNotAdvertised(t *testing.T) {
	e := newEnv(t, openidtest.Options{OmitIssuerParameter: true}, nil)
	_, err := e.login(t)
	require.NoError(t, err)
}

func TestDiscoveryIssuerMismatchIsRefused(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	e.fake.SetMixUp(openidtest.MixUp{DiscoveryIssuer: "https://attacker.example"})
	_, err := e.p.Discover(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
	assert.ErrorContains(t, err, "names issuer")
	_, err = e.p.AuthCodeURL(context.Background())
	require.Error(t, err)
}

func TestIDTokenSignedByAForeignKeyIsRefused(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	e.fake.SetMixUp(openidtest.MixUp{ForeignIDTokenKey: true})
	_, err := e.login(t)
	require.ErrorIs(t, err, oauthkit.ErrIDTokenSignature)
}

func TestUnknownKidAfterRotation(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	_, err := e.login(t)
	require.NoError(t, err)
	before := e.fake.Requests(openidtest.EndpointJWKS)

	e.fake.RotateKeys()
	e.fake.RetireOldKeys()
	login, err := e.login(t)
	require.NoError(t, err, "a token under the new kid verifies once the keys are fetched again")
	assert.NotNil(t, login.IDToken)
	assert.Greater(t, e.fake.Requests(openidtest.EndpointJWKS), before, "the unknown kid made the keys be fetched again")
}

func TestRPInitiatedLogout(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	login, err := e.login(t)
	require.NoError(t, err)
	raw, _ := login.Token.Extra("id_token").(string)
	es, err := e.p.EndSessionURL(context.Background(), raw)
	require.NoError(t, err)
	require.NotEmpty(t, es.State)
	assert.Contains(t, es.URL, "client_id=client")
	assert.Contains(t, es.URL, "id_token_hint=")
	back, err := e.fake.Authorize(context.Background(), es.URL) // plays the browser
	require.NoError(t, err)
	assert.Equal(t, "/logged-out", back.Path)
	assert.Equal(t, es.State, back.Query().Get("state"))
	ended := e.fake.EndedSessions()
	require.Len(t, ended, 1)
	assert.Equal(t, "user-1", ended[0].Subject)
	assert.NotEmpty(t, ended[0].SID)
}

// TestBuildEndSessionURL: the end-session URL package web sends the
// browser to names the client (client_id) and carries the caller's
// post-logout URL and state, with or without an ID token left for
// id_token_hint; the server accepts both and sends the browser back with
// the state.
func TestBuildEndSessionURL(t *testing.T) {
	for _, withHint := range []bool{true, false} {
		t.Run(fmt.Sprintf("id_token_hint %t", withHint), func(t *testing.T) {
			e := newEnv(t, openidtest.Options{}, nil)
			login, err := e.login(t)
			require.NoError(t, err)
			hint := ""
			if withHint {
				hint, _ = login.Token.Extra("id_token").(string)
			}
			raw, err := e.p.BuildEndSessionURL(context.Background(), hint, "http://127.0.0.1/logged-out", "st-1")
			require.NoError(t, err)
			u, err := url.Parse(raw)
			require.NoError(t, err)
			q := u.Query()
			assert.Equal(t, "client", q.Get("client_id"))
			assert.Equal(t, withHint, q.Has("id_token_hint"))
			assert.Equal(t, "http://127.0.0.1/logged-out", q.Get("post_logout_redirect_uri"))
			back, err := e.fake.Authorize(context.Background(), raw) // plays the browser
			require.NoError(t, err)
			assert.Equal(t, "/logged-out", back.Path)
			assert.Equal(t, "st-1", back.Query().Get("state"))
		})
	}
}

func TestVerifyLogoutToken(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	lt, err := e.p.VerifyLogoutToken(context.Background(), e.fake.LogoutToken("client", "user-1", "sid-1"))
	require.NoError(t, err)
	assert.Equal(t, "user-1", lt.Subject)
	assert.Equal(t, "sid-1", lt.SessionID)
	_, err = e.p.VerifyLogoutToken(context.Background(), e.fake.LogoutToken("other-client", "user-1", "sid-1"))
	require.ErrorIs(t, err, oauthkit.ErrInvalidLogoutToken)
}

func TestSignedUserInfo(t *testing.T) {
	e := newEnv(t, openidtest.Options{SignedUserInfo: true}, nil)
	login, err := e.login(t)
	require.NoError(t, err)
	assert.Equal(t, "Ada Lovelace", login.UserInfo.Name)

	e.fake.SetMixUp(openidtest.MixUp{ForeignUserInfoKey: true})
	_, err = e.login(t)
	require.ErrorIs(t, err, openid.ErrInvalidUserInfo)
	assert.ErrorContains(t, err, "signature")
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	_, ek, _ := clientKeys()
	e := newEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: ek.Public(), KeyID: "ec-1"}}},
		func(c *openid.Config) { c.ClientKey = &openid.ClientKey{ID: "other-kid", Signer: ek} })
	_, err := e.p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	assert.NotContains(t, err.Error(), "eyJ", "no assertion in the error")
	var _ *ecdsa.PrivateKey = ek
	assert.False(t, strings.Contains(err.Error(), "client_assertion="))
}

func TestIDTokenRequiredClaims(t *testing.T) {
	for _, claim := range []string{"sub", "iat"} {
		t.Run(claim, func(t *testing.T) {
			e := newEnv(t, openidtest.Options{}, nil)
			e.fake.MutateIDTokens(func(c map[string]any) { delete(c, claim) })
			_, err := e.login(t)
			require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
			assert.ErrorContains(t, err, "no "+claim)
		})
	}
}

func TestRefreshVerifiesTheNewIDToken(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	login, err := e.login(t)
	require.NoError(t, err)
	tok, err := e.p.Refresh(context.Background(), login.Token.RefreshToken)
	require.NoError(t, err, "a refreshed ID token without a nonce is fine (OpenID Connect Core §12.2)")
	require.NotEmpty(t, tok.Extra("id_token"))

	e.fake.MutateIDTokens(func(c map[string]any) { c["aud"] = "other-client" })
	_, err = e.p.Refresh(context.Background(), tok.RefreshToken)
	require.ErrorIs(t, err, oauthkit.ErrIDTokenAudience)
	assert.ErrorContains(t, err, "openid: refresh: ")
}

func TestLoginWithoutUserInfoEndpoint(t *testing.T) {
	c := newClock()
	fake := openidtest.NewServer(openidtest.Options{Now: c.Now})
	t.Cleanup(fake.Close)
	cfg := fake.Config("client")
	iss := fake.Issuer()
	cfg.Endpoints = &oauthkit.Endpoints{AuthURL: iss + "/authorize", TokenURL: iss + "/token", JWKSURL: iss + "/jwks"}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	e := &env{fake: fake, p: p, clock: c}
	login, err := e.login(t)
	require.NoError(t, err, "the ID token answers for the userinfo endpoint the server lacks")
	assert.Equal(t, "user-1", login.UserInfo.Subject)
	assert.Equal(t, "ada@example.com", login.UserInfo.Email)
	assert.Zero(t, fake.Requests(openidtest.EndpointUserInfo))
	assert.Zero(t, fake.Requests(openidtest.EndpointDiscovery))
}

func TestCallbackAndIDTokenAttacks(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(cb url.Values)
		claims func(c map[string]any)
		want   error
	}{
		{name: "another state", mutate: func(cb url.Values) { cb.Set("state", "forged") }, want: oauthkit.ErrStateMismatch},
		{name: "no state", mutate: func(cb url.Values) { cb.Del("state") }, want: oauthkit.ErrStateMismatch},
		{name: "another nonce", claims: func(c map[string]any) { c["nonce"] = "replayed" }, want: oauthkit.ErrNonceMismatch},
		{name: "another issuer in the ID token", claims: func(c map[string]any) { c["iss"] = "https://attacker.example" }, want: oauthkit.ErrIDTokenIssuer},
		{name: "another audience", claims: func(c map[string]any) { c["aud"] = "other-client" }, want: oauthkit.ErrIDTokenAudience},
		{name: "expired", claims: func(c map[string]any) { c["exp"] = float64(time.Now().Add(-time.Hour).Unix()) }, want: oauthkit.ErrIDTokenExpired},
		{name: "at_hash of another token", claims: func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }, want: oauthkit.ErrAccessTokenHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, openidtest.Options{}, nil)
			if tt.claims != nil {
				e.fake.MutateIDTokens(tt.claims)
			}
			ar, cb := e.callback(t)
			if tt.mutate != nil {
				tt.mutate(cb)
			}
			_, err := oauthkit.Complete(context.Background(), e.p, ar, cb)
			require.ErrorIs(t, err, tt.want)
		})
	}
}
