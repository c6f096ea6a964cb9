package openid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// TestPARLogin: with PAR (forced by the Config, or required by the
// server), the URL carries only client_id and request_uri, the login
// completes, and the AuthRequest remembers the request_uri's expiry.
func TestPARLogin(t *testing.T) {
	_, ecKey, _ := clientKeys()
	for _, tc := range []struct {
		name   string
		opts   openidtest.Options
		mutate func(*openid.Config)
	}{
		{"forced, client_secret_basic", openidtest.Options{}, func(c *openid.Config) { c.PushedAuthorizationRequests = true }},
		{"required by the server", openidtest.Options{RequirePAR: true}, nil},
		{"client_secret_post", openidtest.Options{RequirePAR: true, Apps: []openidtest.App{{ID: "post", AuthMethod: openid.AuthClientSecretPost}}},
			func(c *openid.Config) { c.AuthMethod = openid.AuthClientSecretPost }},
		{"private_key_jwt", openidtest.Options{RequirePAR: true, Apps: []openidtest.App{{ID: "jwt", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: ecKey.Public(), KeyID: "k1"}}},
			func(c *openid.Config) { c.ClientKey = &openid.ClientKey{ID: "k1", Signer: ecKey} }},
		{"public client", openidtest.Options{RequirePAR: true, Apps: []openidtest.App{{ID: "public", AuthMethod: openid.AuthNone}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts, tc.mutate)
			ar, err := e.p.AuthCodeURL(context.Background(), oauthkit.WithLoginHint("ada"))
			require.NoError(t, err)
			u, err := url.Parse(ar.URL)
			require.NoError(t, err)
			assert.Equal(t, e.fake.Issuer()+"/authorize", u.Scheme+"://"+u.Host+u.Path)
			q := u.Query()
			assert.Len(t, q, 2, "only client_id and request_uri: %v", keys(q))
			assert.NotEmpty(t, q.Get("client_id"))
			assert.Contains(t, q.Get("request_uri"), "urn:ietf:params:oauth:request_uri:")
			assert.Equal(t, e.clock.Now().Add(time.Minute), ar.RequestURIExpiresAt)
			assert.Equal(t, 1, e.fake.Requests(openidtest.EndpointPAR))

			cb, err := e.fake.Authorize(context.Background(), ar.URL)
			require.NoError(t, err)
			pushed := e.fake.LastAuthorization()
			assert.Equal(t, "ada", pushed.Get("login_hint"), "the pushed request carries every parameter")
			assert.Equal(t, ar.State, pushed.Get("state"))
			assert.Equal(t, ar.Nonce, pushed.Get("nonce"))
			assert.NotEmpty(t, pushed.Get("code_challenge"))
			login, err := oauthkit.Complete(context.Background(), e.p, ar, cb.Query())
			require.NoError(t, err)
			assert.Equal(t, "user-1", login.UserInfo.Subject)
		})
	}
}

func keys(q url.Values) []string {
	var out []string
	for k := range q {
		out = append(out, k)
	}
	return out
}

// TestPARNotUsedWithoutReason: without the Config's switch or the
// server's requirement, the authorization request is a plain one.
func TestPARNotUsedWithoutReason(t *testing.T) {
	e := newEnv(t, openidtest.Options{}, nil)
	ar, err := e.p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	assert.Zero(t, e.fake.Requests(openidtest.EndpointPAR))
	assert.True(t, ar.RequestURIExpiresAt.IsZero())
	assert.NotEmpty(t, mustQuery(t, ar.URL).Get("code_challenge"))
}

func mustQuery(t *testing.T, raw string) url.Values {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query()
}

// TestPARRequestURIUsedTwiceOrLate: the server refuses a request_uri used a
// second time, or after its expires_in, with invalid_request_uri; Complete
// turns that callback into an *oauthkit.Error.
func TestPARRequestURIUsedTwiceOrLate(t *testing.T) {
	ctx := context.Background()
	t.Run("twice", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{RequirePAR: true}, nil)
		ar, err := e.p.AuthCodeURL(ctx)
		require.NoError(t, err)
		_, err = e.fake.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		cb, err := e.fake.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		assert.Equal(t, "invalid_request_uri", cb.Query().Get("error"))
		_, err = oauthkit.Complete(ctx, e.p, ar, cb.Query())
		assert.ErrorIs(t, err, oauthkit.ErrorCode("invalid_request_uri"))
	})
	t.Run("late", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{RequirePAR: true, PARLifetime: 30 * time.Second}, nil)
		ar, err := e.p.AuthCodeURL(ctx)
		require.NoError(t, err)
		assert.Equal(t, e.clock.Now().Add(30*time.Second), ar.RequestURIExpiresAt)
		e.clock.Advance(31 * time.Second)
		cb, err := e.fake.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		assert.Equal(t, "invalid_request_uri", cb.Query().Get("error"))
		assert.Contains(t, cb.Query().Get("error_description"), "expired")
	})
}

// TestPARErrors: a refused push is a typed *oauthkit.Error with Op
// OpPushedAuthorization; PAR asked of a server without the endpoint is
// errors.ErrUnsupported; a malformed answer is ErrMalformedResponse.
func TestPARErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong secret", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{RequirePAR: true}, func(c *openid.Config) { c.ClientSecret = "wrong-secret-value" })
		_, err := e.p.AuthCodeURL(ctx)
		var oe *oauthkit.Error
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, openid.OpPushedAuthorization, oe.Op)
		assert.ErrorIs(t, err, oauthkit.ErrInvalidClient)
		assert.NotContains(t, err.Error(), "wrong-secret-value")
	})
	t.Run("no endpoint", func(t *testing.T) {
		fake := openidtest.NewServer(openidtest.Options{})
		t.Cleanup(fake.Close)
		cfg := fake.Config("client")
		cfg.Endpoints = &oauthkit.Endpoints{Issuer: fake.Issuer(), AuthURL: fake.Issuer() + "/authorize", TokenURL: fake.TokenURL()}
		cfg.PushedAuthorizationRequests = true
		p, err := openid.New(cfg)
		require.NoError(t, err)
		_, err = p.AuthCodeURL(ctx)
		assert.ErrorIs(t, err, errors.ErrUnsupported)
	})
	t.Run("endpoints config", func(t *testing.T) {
		fake := openidtest.NewServer(openidtest.Options{RequirePAR: true})
		t.Cleanup(fake.Close)
		cfg := fake.Config("client")
		cfg.Endpoints = &oauthkit.Endpoints{Issuer: fake.Issuer(), AuthURL: fake.Issuer() + "/authorize", TokenURL: fake.TokenURL(), PushedAuthorizationURL: fake.Issuer() + "/par"}
		cfg.PushedAuthorizationRequests = true
		p, err := openid.New(cfg)
		require.NoError(t, err)
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		assert.NotEmpty(t, mustQuery(t, ar.URL).Get("request_uri"))
	})
	t.Run("server error", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{RequirePAR: true}, nil)
		e.fake.InjectFault(openidtest.EndpointPAR, oauthkittest.Fault{Status: 400, Body: `{"error":"invalid_request","error_description":"bad"}`})
		_, err := e.p.AuthCodeURL(ctx)
		var oe *oauthkit.Error
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, openid.OpPushedAuthorization, oe.Op)
		assert.ErrorIs(t, err, oauthkit.ErrInvalidRequest)
	})
	t.Run("malformed", func(t *testing.T) {
		e := newEnv(t, openidtest.Options{RequirePAR: true}, nil)
		e.fake.InjectFault(openidtest.EndpointPAR, oauthkittest.Fault{Status: 201, Body: `{"request_uri":"urn:x"}`})
		_, err := e.p.AuthCodeURL(ctx)
		assert.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
	})
}

// TestPARErrorDoesNotShowStateOrNonce: a refused push whose
// error_description echoes the request (RFC 9126 §2.3) shows neither the
// state, nor the nonce, nor the PKCE challenge: pushed, they never passed
// through the browser.
func TestPARErrorDoesNotShowStateOrNonce(t *testing.T) {
	var mu sync.Mutex
	var pushed url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/par" || r.ParseForm() != nil {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		pushed = r.PostForm
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		desc, _ := json.Marshal(fmt.Sprintf("request with state %s, nonce %s and code_challenge %s refused",
			r.PostForm.Get("state"), r.PostForm.Get("nonce"), r.PostForm.Get("code_challenge")))
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":%s}`, desc)
	}))
	t.Cleanup(srv.Close)
	u := srv.URL
	p, err := openid.New(openid.Config{
		ClientID: "rp", ClientSecret: "client-secret-value", AuthMethod: openid.AuthClientSecretPost,
		RedirectURL: "http://localhost/cb", PushedAuthorizationRequests: true, HTTPClient: srv.Client(),
		Endpoints: &oauthkit.Endpoints{Issuer: u, AuthURL: u + "/authorize", TokenURL: u + "/token", PushedAuthorizationURL: u + "/par"},
	})
	require.NoError(t, err)
	_, err = p.AuthCodeURL(context.Background())
	require.ErrorIs(t, err, oauthkit.ErrInvalidRequest)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, openid.OpPushedAuthorization, oe.Op)
	assert.Contains(t, oe.Description, "refused", "the description is kept, its secrets scrubbed")
	mu.Lock()
	sent := []string{pushed.Get("state"), pushed.Get("nonce"), pushed.Get("code_challenge")}
	mu.Unlock()
	for _, v := range sent {
		require.NotEmpty(t, v, "the push carries state, nonce and code_challenge")
	}
	providertest.Formatted(t, []any{err, oe, *oe}, append(sent, "client-secret-value")...)
}
