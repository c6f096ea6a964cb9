package openid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// TestClientKeyMustFitAlgorithm: a ClientKey whose key cannot sign with
// its Algorithm (RFC 7518 §3.4: ES256 is P-256) is refused by New with a
// ConfigError, whether go-jose holds the key or a KMS client does, rather
// than failing (or panicking) at every token request.
func TestClientKeyMustFitAlgorithm(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	rk, ek, _ := clientKeys()
	tests := []struct {
		name string
		key  openid.ClientKey
	}{
		{"KMS P-384 with ES256", openid.ClientKey{ID: "k", Signer: kmsSigner{p384}, Algorithm: "ES256"}},
		{"P-384 with ES256", openid.ClientKey{ID: "k", Signer: p384, Algorithm: "ES256"}},
		{"P-384 without Algorithm", openid.ClientKey{ID: "k", Signer: p384}},
		{"KMS RSA with ES256", openid.ClientKey{ID: "k", Signer: kmsSigner{rk}, Algorithm: "ES256"}},
		{"KMS P-256 with RS256", openid.ClientKey{ID: "k", Signer: kmsSigner{ek}, Algorithm: "RS256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			_, err := openid.New(openid.Config{
				ClientID: "rp", ClientKey: &key, AuthMethod: openid.AuthPrivateKeyJWT,
				Endpoints: &oauthkit.Endpoints{Issuer: "https://idp.example", TokenURL: "https://idp.example/token"},
			})
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "ClientKey", ce.Field)
		})
	}
}

// audServer is a server by endpoints that records, per path, the aud of
// the client assertion each request carried.
type audServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	auds map[string][]string // path: the assertion's aud
}

func newAudServer(t *testing.T) *audServer {
	a := &audServer{auds: map[string][]string{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var c jwt.Claims
		if tok, err := jwt.ParseSigned(r.PostForm.Get("client_assertion"), []jose.SignatureAlgorithm{jose.ES256}); err == nil {
			_ = tok.UnsafeClaimsWithoutVerification(&c)
		}
		a.mu.Lock()
		a.auds[r.URL.Path] = append(a.auds[r.URL.Path], c.Audience...)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/token":
			io.WriteString(w, `{"access_token":"at","token_type":"Bearer","expires_in":3600}`)
		case "/par":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"request_uri":"urn:ietf:params:oauth:request_uri:x","expires_in":60}`)
		case "/introspect":
			io.WriteString(w, `{"active":false}`)
		case "/device":
			io.WriteString(w, `{"device_code":"dc","user_code":"UC","verification_uri":"https://idp.example/activate","expires_in":600}`)
		case "/revoke":
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// TestAssertionAudiencePerEndpoint: the aud of a client assertion on the
// token, PAR, revocation, introspection and device authorization
// endpoints: the issuer by default (RFC 7523bis), the token endpoint
// everywhere with AudienceTokenEndpoint, and the endpoint the request goes
// to with AudienceRequestEndpoint (what Okta requires).
func TestAssertionAudiencePerEndpoint(t *testing.T) {
	_, ek, _ := clientKeys()
	paths := []string{"/token", "/par", "/revoke", "/introspect", "/device"}
	tests := []struct {
		name string
		aud  openid.AssertionAudience
		want func(issuer, path string) string
	}{
		{"issuer", openid.AudienceIssuer, func(issuer, _ string) string { return issuer }},
		{"token endpoint", openid.AudienceTokenEndpoint, func(issuer, _ string) string { return issuer + "/token" }},
		{"request endpoint", openid.AudienceRequestEndpoint, func(issuer, path string) string { return issuer + path }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAudServer(t)
			u := a.srv.URL
			p, err := openid.New(openid.Config{
				ClientID: "rp", ClientKey: &openid.ClientKey{ID: "k", Signer: ek}, AuthMethod: openid.AuthPrivateKeyJWT,
				AssertionAudience: tt.aud, RedirectURL: "http://localhost/cb", PushedAuthorizationRequests: true,
				HTTPClient: a.srv.Client(),
				Endpoints: &oauthkit.Endpoints{Issuer: u, AuthURL: u + "/authorize", TokenURL: u + "/token",
					PushedAuthorizationURL: u + "/par", RevocationURL: u + "/revoke", IntrospectionURL: u + "/introspect",
					DeviceAuthorizationURL: u + "/device"},
			})
			require.NoError(t, err)
			ctx := context.Background()
			_, err = p.ClientCredentials(ctx)
			require.NoError(t, err)
			_, err = p.AuthCodeURL(ctx)
			require.NoError(t, err)
			require.NoError(t, p.RevokeToken(ctx, "at", "access_token"))
			_, err = p.Introspect(ctx, "at", "access_token")
			require.NoError(t, err)
			_, err = p.DeviceAuthorization(ctx)
			require.NoError(t, err)
			a.mu.Lock()
			defer a.mu.Unlock()
			for _, path := range paths {
				assert.Equal(t, []string{tt.want(u, path)}, a.auds[path], "aud of the assertion sent to %s", path)
			}
		})
	}
}

// TestIntrospectionNeedsAnAuthenticatedClient: a public client's
// introspection (RFC 7662 §2.1 has the endpoint authenticate its caller)
// is a ConfigError, and nothing is sent.
func TestIntrospectionNeedsAnAuthenticatedClient(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*openid.Config)
	}{
		{"no credential", func(*openid.Config) {}},
		{"AuthMethod none", func(c *openid.Config) { c.AuthMethod = openid.AuthNone; c.ClientSecret = "client-secret-value" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			requests := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"active":true}`)
			}))
			t.Cleanup(srv.Close)
			u := srv.URL
			cfg := openid.Config{
				ClientID: "rp", HTTPClient: srv.Client(),
				Endpoints: &oauthkit.Endpoints{Issuer: u, TokenURL: u + "/token", IntrospectionURL: u + "/introspect", RevocationURL: u + "/revoke"},
			}
			tt.mutate(&cfg)
			p, err := openid.New(cfg)
			require.NoError(t, err)
			_, err = p.Introspect(context.Background(), "at", "access_token")
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "AuthMethod", ce.Field)
			assert.Contains(t, ce.Reason, "RFC 7662")
			mu.Lock()
			assert.Zero(t, requests, "nothing is sent")
			mu.Unlock()
			require.NoError(t, p.RevokeToken(context.Background(), "at", "access_token"), "a public client may revoke (RFC 7009 §2.1)")
		})
	}
}
