package openid_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	ctx := context.Background()
	login, err := e.login(t)
	require.NoError(t, err)
	first := login.Token.RefreshToken

	tok, err := e.p.Refresh(ctx, first)
	require.NoError(t, err)
	second := tok.RefreshToken
	require.NotEqual(t, first, second, "the server rotates")

	_, err = e.p.Refresh(ctx, first)
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant, "a spent refresh token is refused")
	_, err = e.p.Refresh(ctx, second)
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant, "and its reuse revoked the whole family")
	in, err := e.p.Introspect(ctx, tok.AccessToken, "access_token")
	require.NoError(t, err)
	assert.False(t, in.Active)
}

// A refresh answer the provider refuses (its ID token fails the checks)
// after the server rotated the refresh token: the error says the old one is
// spent (NeedsLogin), the answer's new one is revoked, and a user's token
// source does not send the spent one again, which the server would take for
// a replay and answer by revoking the whole grant.
func TestRefusedRefreshAnswerIsNotResent(t *testing.T) {
	// The cache on a clock of its own, advanced past each failure's backoff.
	cacheClock := tokencachetest.NewClock(time.Now())
	cache := tokencache.New(tokencache.Config{Clock: cacheClock})
	t.Cleanup(func() { cache.Close() })
	e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.Cache = cache })
	ctx := context.Background()
	login, err := e.login(t)
	require.NoError(t, err)

	e.fake.MutateIDTokens(func(c map[string]any) { c["aud"] = "other-client" })
	revokes := e.fake.Requests(openidtest.EndpointRevoke)
	_, err = e.p.Refresh(ctx, login.Token.RefreshToken)
	require.ErrorIs(t, err, oauthkit.ErrIDTokenAudience)
	require.ErrorIs(t, err, oauthkit.ErrRefreshTokenSpent)
	assert.True(t, oauthkit.NeedsLogin(err))
	assert.Equal(t, revokes+1, e.fake.Requests(openidtest.EndpointRevoke), "the refused answer's refresh token is revoked")

	e.fake.MutateIDTokens(nil)
	login, err = e.login(t)
	require.NoError(t, err)
	seed := *login.Token
	seed.Expiry = cacheClock.Now().Add(-time.Minute) // renewed at once
	src := e.p.UserTokenSource("user-1", &seed)
	e.fake.MutateIDTokens(func(c map[string]any) { c["aud"] = "other-client" })
	sent := e.fake.Requests(openidtest.EndpointToken)
	for range 3 {
		_, err = src.Token()
		require.ErrorIs(t, err, oauthkit.ErrRefreshTokenSpent)
		cacheClock.Advance(time.Minute) // past the failure's backoff: the next call fills again
	}
	assert.Equal(t, sent+1, e.fake.Requests(openidtest.EndpointToken), "the spent refresh token was sent once")
}

func TestClientCredentialsAndCache(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, func(c *openid.Config) { c.ClientCredentialsScopes = []string{"api.read"} })
	ctx := context.Background()
	tok, err := e.p.Token(ctx)
	require.NoError(t, err)
	again, err := e.p.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, again.AccessToken)
	assert.Equal(t, 1, e.fake.Requests(openidtest.EndpointToken), "the second comes from the cache")
	in, err := e.p.Introspect(ctx, tok.AccessToken, "")
	require.NoError(t, err)
	assert.True(t, in.Active)
	assert.Equal(t, []string{"api.read"}, in.Scope)
	assert.Equal(t, "client", in.ClientID)
}

func TestPublicClientHasNoClientCredentials(t *testing.T) {
	e := newEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "spa", AuthMethod: openid.AuthNone}}}, nil)
	_, err := e.p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, errors.ErrUnsupported)
}

func TestRevocationAndIntrospection(t *testing.T) {
	rk, _, _ := clientKeys()
	for _, m := range []openidtest.App{
		{ID: "rp", AuthMethod: openid.AuthClientSecretBasic},
		{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "k"},
	} {
		t.Run(string(m.AuthMethod), func(t *testing.T) {
			e := newEnv(t, openidtest.Options{Apps: []openidtest.App{m}}, func(c *openid.Config) {
				if m.PublicKey != nil {
					c.ClientKey = &openid.ClientKey{ID: "k", Signer: rk}
				}
			})
			ctx := context.Background()
			login, err := e.login(t)
			require.NoError(t, err)

			in, err := e.p.Introspect(ctx, login.Token.AccessToken, "access_token")
			require.NoError(t, err)
			assert.True(t, in.Active)
			assert.Equal(t, "user-1", in.Subject)
			assert.Equal(t, e.fake.Issuer(), in.Issuer)
			assert.False(t, in.Expiry.IsZero())

			require.NoError(t, e.p.RevokeToken(ctx, login.Token.RefreshToken, "refresh_token"))
			for _, tok := range []string{login.Token.AccessToken, login.Token.RefreshToken} {
				in, err = e.p.Introspect(ctx, tok, "")
				require.NoError(t, err)
				assert.False(t, in.Active, "a revoked grant's tokens are inactive")
				assert.Empty(t, in.Subject, "and nothing more is said of them")
			}
			_, err = e.p.Refresh(ctx, login.Token.RefreshToken)
			require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
			require.NoError(t, e.p.RevokeToken(ctx, "unknown-token", ""), "RFC 7009 §2.2: an unknown token is not an error")
		})
	}
}

// recorder keeps the form bodies the provider sends.
type recorder struct {
	mu    sync.Mutex
	base  http.RoundTripper
	forms []url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(strings.NewReader(string(b)))
		if f, err := url.ParseQuery(string(b)); err == nil && len(b) > 0 {
			r.mu.Lock()
			r.forms = append(r.forms, f)
			r.mu.Unlock()
		}
	}
	return r.base.RoundTrip(req)
}

func TestClientAssertion(t *testing.T) {
	rk, _, _ := clientKeys()
	var rec *recorder
	e := newEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "k"}}},
		func(c *openid.Config) {
			c.ClientKey = &openid.ClientKey{ID: "k", Signer: rk}
			rec = &recorder{base: c.HTTPClient.Transport}
			c.HTTPClient = &http.Client{Transport: rec}
		})
	ctx := context.Background()
	_, err := e.p.ClientCredentials(ctx)
	require.NoError(t, err)
	_, err = e.p.ClientCredentials(ctx)
	require.NoError(t, err, "a second request gets a fresh assertion")
	require.Equal(t, 2, len(rec.forms), "form requests sent")

	var jtis []string
	for _, f := range rec.forms {
		assert.Equal(t, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", f.Get("client_assertion_type"))
		assert.Equal(t, "rp", f.Get("client_id"))
		tok, err := jwt.ParseSigned(f.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS256})
		require.NoError(t, err)
		assert.Equal(t, "k", tok.Headers[0].KeyID)
		var c jwt.Claims
		require.NoError(t, tok.Claims(rk.Public(), &c))
		assert.Equal(t, "rp", c.Issuer)
		assert.Equal(t, "rp", c.Subject)
		assert.Equal(t, jwt.Audience{e.fake.Issuer()}, c.Audience, "aud is the issuer (RFC 7523bis)")
		assert.Equal(t, time.Minute, c.Expiry.Time().Sub(c.IssuedAt.Time()), "a short lifetime")
		jtis = append(jtis, c.ID)
	}
	assert.NotEqual(t, jtis[0], jtis[1], "each assertion has its own jti")

	// An attacker who captured an assertion replays it.
	replay := url.Values{"grant_type": {"client_credentials"}, "client_id": {"rp"},
		"client_assertion_type": {rec.forms[0].Get("client_assertion_type")}, "client_assertion": {rec.forms[0].Get("client_assertion")}}
	resp, err := e.fake.Client().PostForm(e.fake.TokenURL(), replay)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), "jti was used before")
}

func TestAssertionAudienceTokenEndpoint(t *testing.T) {
	rk, _, _ := clientKeys()
	e := newEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "k"}}, AssertionAudienceIssuerOnly: true},
		func(c *openid.Config) {
			c.ClientKey = &openid.ClientKey{ID: "k", Signer: rk}
			c.AssertionAudience = openid.AudienceTokenEndpoint
		})
	_, err := e.p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient, "a server that takes only the issuer refuses the token endpoint")
	assert.ErrorContains(t, err, "aud")
}

func TestAssertionIsNotResentAfterItMayHaveArrived(t *testing.T) {
	rk, _, _ := clientKeys()
	e := newEnv(t, openidtest.Options{Apps: []openidtest.App{{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "k"}}},
		func(c *openid.Config) { c.ClientKey = &openid.ClientKey{ID: "k", Signer: rk} })
	e.fake.InjectFault(openidtest.EndpointToken, oauthkittest.Fault{Status: 503, Body: `{"error":"temporarily_unavailable"}`, Times: 1})
	_, err := e.p.ClientCredentials(context.Background())
	require.Error(t, err)
	assert.Equal(t, 1, e.fake.Requests(openidtest.EndpointToken), "a request with an assertion the server may have kept is not resent")
}

func TestAuthMethodNotSupportedByServer(t *testing.T) {
	e := newEnv(t, openidtest.Options{AuthMethods: []string{"private_key_jwt"}}, nil)
	_, err := e.p.ClientCredentials(context.Background())
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "AuthMethod", ce.Field)
	assert.Contains(t, ce.Reason, "none that fits")
}

func TestOAuthOnlyServerByEndpoints(t *testing.T) {
	c := newClock()
	fake := openidtest.NewServer(openidtest.Options{Now: c.Now})
	t.Cleanup(fake.Close)
	cfg := fake.Config("client")
	cfg.Issuer = ""
	cfg.Scopes = []string{"api"}
	cfg.Endpoints = &oauthkit.Endpoints{TokenURL: fake.TokenURL(), RevocationURL: fake.Issuer() + "/revoke", IntrospectionURL: fake.Issuer() + "/introspect"}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	tok, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)
	require.NoError(t, p.RevokeToken(context.Background(), tok.AccessToken, "access_token"))
	in, err := p.Introspect(context.Background(), tok.AccessToken, "access_token")
	require.NoError(t, err)
	assert.False(t, in.Active)
	assert.Zero(t, fake.Requests(openidtest.EndpointDiscovery))
	_, err = p.EndSessionURL(context.Background(), "")
	require.ErrorIs(t, err, errors.ErrUnsupported)
}

func TestRFC8414DiscoveryWithAPath(t *testing.T) {
	c := newClock()
	fake := openidtest.NewServer(openidtest.Options{Now: c.Now, IssuerPath: "/realms/acme"})
	t.Cleanup(fake.Close)
	cfg := fake.Config("client")
	cfg.Scopes = []string{"api"} // OAuth only: RFC 8414 well-known URL
	p, err := openid.New(cfg)
	require.NoError(t, err)
	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	assert.Equal(t, fake.Issuer(), ep.Issuer)
	assert.Equal(t, 1, fake.Requests(openidtest.EndpointDiscovery))
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	assert.Empty(t, ar.Nonce, "no nonce without openid")
}

func TestDiscoveryIsFetchedAgainWhenItAges(t *testing.T) {
	e := newEnv(t, openidtest.Options{DiscoveryMaxAge: 10 * time.Minute}, nil)
	ctx := context.Background()
	_, err := e.p.Discover(ctx)
	require.NoError(t, err)
	e.clock.Advance(9 * time.Minute)
	_, err = e.p.Discover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.Requests(openidtest.EndpointDiscovery), "kept within its max-age")

	e.clock.Advance(2 * time.Minute)
	e.fake.InjectFault(openidtest.EndpointDiscovery, oauthkittest.Fault{Status: 500, Body: "down", Times: 10})
	ep, err := e.p.Discover(ctx)
	require.NoError(t, err, "a failed re-fetch keeps the last good document")
	assert.Equal(t, e.fake.Issuer(), ep.Issuer)
	fetches := e.fake.Requests(openidtest.EndpointDiscovery)
	assert.Greater(t, fetches, 1)
	_, err = e.p.Discover(ctx)
	require.NoError(t, err)
	assert.Equal(t, fetches, e.fake.Requests(openidtest.EndpointDiscovery), "and does not ask again at once")

	e.fake.ClearFaults()
	e.clock.Advance(2 * time.Minute)
	_, err = e.p.Discover(ctx)
	require.NoError(t, err)
	assert.Greater(t, e.fake.Requests(openidtest.EndpointDiscovery), fetches, "asked again after the retry interval")
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name  string
		cfg   openid.Config
		field string
	}{
		{"no client id", openid.Config{Issuer: "https://idp.example"}, "ClientID"},
		{"no issuer", openid.Config{ClientID: "c"}, "Issuer"},
		{"clear-text issuer", openid.Config{ClientID: "c", Issuer: "http://idp.example"}, "Issuer"},
		{"issuer with a query", openid.Config{ClientID: "c", Issuer: "https://idp.example/?x=1"}, "Issuer"},
		{"endpoints without token URL", openid.Config{ClientID: "c", Endpoints: &oauthkit.Endpoints{AuthURL: "https://idp.example/a"}}, "Endpoints"},
		{"basic without secret", openid.Config{ClientID: "c", Issuer: "https://idp.example", AuthMethod: openid.AuthClientSecretBasic}, "ClientSecret"},
		{"private_key_jwt without key", openid.Config{ClientID: "c", Issuer: "https://idp.example", AuthMethod: openid.AuthPrivateKeyJWT}, "ClientKey"},
		{"key without signer", openid.Config{ClientID: "c", Issuer: "https://idp.example", ClientKey: &openid.ClientKey{ID: "k"}}, "ClientKey"},
		{"unknown method", openid.Config{ClientID: "c", Issuer: "https://idp.example", AuthMethod: "tls_client_auth"}, "AuthMethod"},
		{"name with a slash", openid.Config{Name: "a/b", ClientID: "c", Issuer: "https://idp.example"}, "Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openid.New(tt.cfg)
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
		})
	}
}

// TestRevokeUnsupportedTokenType: a revocation the server refuses for the
// token's type (RFC 7009 §2.2.1) matches openid.ErrUnsupportedTokenType.
func TestRevokeUnsupportedTokenType(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	err := e.p.RevokeToken(context.Background(), "some-token-value", "id_token")
	require.ErrorIs(t, err, openid.ErrUnsupportedTokenType)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, oauthkit.OpRevoke, oe.Op)
	assert.NotContains(t, err.Error(), "some-token-value")
}
