package openidtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// post sends form to the fake's endpoint with header and returns the
// status and the decoded JSON answer.
func post(t *testing.T, s *openidtest.Server, path string, form url.Values, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.Issuer()+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

func basic(id, secret string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))}}
}

// authorizeURL is a valid authorization request for the default client.
func authorizeURL(s *openidtest.Server, mutate func(q url.Values)) (string, string) {
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {"client"}, "redirect_uri": {"http://127.0.0.1/callback"},
		"scope": {"openid"}, "state": {"st"}, "nonce": {"n"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	if mutate != nil {
		mutate(q)
	}
	return s.Issuer() + "/authorize?" + q.Encode(), verifier
}

func TestAuthorizeIsStrict(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(q url.Values)
		wantError string // the error redirected to the client; "" with page
		page      bool   // an error page, no redirect
	}{
		{name: "unknown client", mutate: func(q url.Values) { q.Set("client_id", "nobody") }, page: true},
		{name: "unregistered redirect", mutate: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/other") }, page: true},
		{name: "redirect with a trailing slash", mutate: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/callback/") }, page: true},
		{name: "no PKCE", mutate: func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, wantError: "invalid_request"},
		{name: "PKCE plain", mutate: func(q url.Values) { q.Set("code_challenge_method", "plain") }, wantError: "invalid_request"},
		{name: "no nonce", mutate: func(q url.Values) { q.Del("nonce") }, wantError: "invalid_request"},
		{name: "implicit", mutate: func(q url.Values) { q.Set("response_type", "token") }, wantError: "unsupported_response_type"},
		{name: "request object", mutate: func(q url.Values) { q.Set("request", "x.y.z") }, wantError: "request_not_supported"},
		{name: "bad max_age", mutate: func(q url.Values) { q.Set("max_age", "-1") }, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openidtest.NewServer(openidtest.Options{})
			defer s.Close()
			u, _ := authorizeURL(s, tt.mutate)
			cb, err := s.Authorize(context.Background(), u)
			if tt.page {
				require.Error(t, err, "an error page, not a redirect")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantError, cb.Query().Get("error"))
			assert.Equal(t, "st", cb.Query().Get("state"))
			assert.Equal(t, s.Issuer(), cb.Query().Get("iss"), "RFC 9207: errors carry iss too")
		})
	}
}

func TestPromptNoneWithoutSession(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{})
	defer s.Close()
	s.SetUser(openidtest.User{})
	u, _ := authorizeURL(s, func(q url.Values) { q.Set("prompt", "none") })
	cb, err := s.Authorize(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, "login_required", cb.Query().Get("error"))
}

// code returns a fresh code and its verifier.
func code(t *testing.T, s *openidtest.Server) (string, string) {
	u, verifier := authorizeURL(s, nil)
	cb, err := s.Authorize(context.Background(), u)
	require.NoError(t, err)
	require.NotEmpty(t, cb.Query().Get("code"))
	return cb.Query().Get("code"), verifier
}

func TestTokenEndpointIsStrict(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{})
	defer s.Close()
	c, _ := s.App("client")
	exchange := func(code, verifier string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {"http://127.0.0.1/callback"}}
	}

	cd, v := code(t, s)
	status, body := post(t, s, "/token", exchange(cd, v), basic("client", "wrong"))
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_client", body["error"])

	form := exchange(cd, v)
	form.Set("client_secret", c.Secret)
	form.Set("client_id", "client")
	status, body = post(t, s, "/token", form, nil)
	assert.Equal(t, http.StatusUnauthorized, status, "client_secret_post by a client registered for basic")
	assert.Contains(t, body["error_description"], "registered for client_secret_basic")

	status, body = post(t, s, "/token", form, basic("client", c.Secret))
	assert.Equal(t, http.StatusBadRequest, status, "two methods at once")
	assert.Equal(t, "invalid_request", body["error"])

	cd, v = code(t, s)
	status, body = post(t, s, "/token", exchange(cd, strings.Repeat("w", 43)), basic("client", c.Secret))
	assert.Equal(t, http.StatusBadRequest, status, "wrong verifier")
	assert.Equal(t, "invalid_grant", body["error"], "wrong verifier")
	status, body = post(t, s, "/token", exchange(cd, v), basic("client", c.Secret))
	assert.Equal(t, http.StatusBadRequest, status, "the code died with the failed attempt")
	assert.Equal(t, "invalid_grant", body["error"], "the code died with the failed attempt")

	cd, v = code(t, s)
	status, body = post(t, s, "/token", exchange(cd, v), basic("client", c.Secret))
	require.Equal(t, http.StatusOK, status)
	access := body["access_token"].(string)
	status, body = post(t, s, "/token", exchange(cd, v), basic("client", c.Secret))
	assert.Equal(t, http.StatusBadRequest, status, "a code works once")
	assert.Equal(t, "invalid_grant", body["error"], "a code works once")
	status, body = post(t, s, "/introspect", url.Values{"token": {access}}, basic("client", c.Secret))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, false, body["active"], "a replayed code revokes the tokens it issued (RFC 6749 §4.1.2)")
}

// assertion signs claims as a client assertion with key under kid.
func assertion(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.Claims) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	require.NoError(t, err)
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	require.NoError(t, err)
	return raw
}

func TestClientAssertionChecks(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s := openidtest.NewServer(openidtest.Options{Now: func() time.Time { return now },
		Apps: []openidtest.App{{ID: "rp", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: key.Public(), KeyID: "k"}}})
	defer s.Close()
	good := func() jwt.Claims {
		return jwt.Claims{Issuer: "rp", Subject: "rp", Audience: jwt.Audience{s.Issuer()}, ID: time.Now().String(),
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	}
	tests := []struct {
		name   string
		signer *rsa.PrivateKey
		kid    string
		mutate func(c *jwt.Claims)
		want   string // in error_description; "" for success
	}{
		{name: "valid, aud the issuer"},
		{name: "valid, aud the token endpoint", mutate: func(c *jwt.Claims) { c.Audience = jwt.Audience{s.TokenURL()} }},
		{name: "another key", signer: other, want: "signature"},
		{name: "another kid", kid: "k2", want: "kid"},
		{name: "iss another client", mutate: func(c *jwt.Claims) { c.Issuer = "x" }, want: "iss and sub"},
		{name: "aud another server", mutate: func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://other.example"} }, want: "aud"},
		{name: "expired", mutate: func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-time.Second)) }, want: "expired"},
		{name: "no exp", mutate: func(c *jwt.Claims) { c.Expiry = nil }, want: "no exp"},
		{name: "lives an hour", mutate: func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(time.Hour)) }, want: "five minutes"},
		{name: "no jti", mutate: func(c *jwt.Claims) { c.ID = "" }, want: "no jti"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			if tt.mutate != nil {
				tt.mutate(&c)
			}
			signer, kid := key, "k"
			if tt.signer != nil {
				signer = tt.signer
			}
			if tt.kid != "" {
				kid = tt.kid
			}
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"rp"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion(t, signer, kid, c)}}
			status, body := post(t, s, "/token", form, nil)
			if tt.want == "" {
				assert.Equal(t, http.StatusOK, status)
				status, body = post(t, s, "/token", form, nil)
				assert.Equal(t, http.StatusUnauthorized, status, "the same assertion again")
				assert.Contains(t, body["error_description"], "jti")
				return
			}
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Contains(t, body["error_description"], tt.want)
		})
	}
}

func TestDiscoveryAndKeys(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{IssuerPath: "/realms/acme"})
	defer s.Close()
	for _, path := range []string{"/realms/acme/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/realms/acme"} {
		resp, err := s.Client().Get(s.URL + path)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
		resp.Body.Close()
		assert.Equal(t, s.Issuer(), doc["issuer"], path)
		assert.Equal(t, true, doc["authorization_response_iss_parameter_supported"])
		assert.Contains(t, resp.Header.Get("Cache-Control"), "max-age=300")
	}
	jwks := func() int {
		resp, err := s.Client().Get(s.Issuer() + "/jwks")
		require.NoError(t, err)
		defer resp.Body.Close()
		var set struct{ Keys []any }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
		return len(set.Keys)
	}
	assert.Equal(t, 1, jwks())
	s.RotateKeys()
	assert.Equal(t, 2, jwks(), "old and new during the rotation")
	s.RetireOldKeys()
	assert.Equal(t, 1, jwks())
}

func TestLoginPage(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{LoginPage: true})
	defer s.Close()
	u, _ := authorizeURL(s, nil)
	resp, err := s.Client().Get(u)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Sign in")
	cb, err := s.Authorize(context.Background(), u) // submits the page
	require.NoError(t, err)
	assert.NotEmpty(t, cb.Query().Get("code"))
}
