package webuntis_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// seen is one request as the server received it.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Form                   url.Values
}

// recorder is a WebUntis-shaped server that records every request and
// answers token requests with a fixed token.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), form})
		rec.mu.Unlock()
		base := rec.srv.URL + "/WebUntis/api/sso/v3/1234"
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/WebUntis/api/sso/v3/1234/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": base, "authorization_endpoint": base + "/authorize",
				"token_endpoint": base + "/token", "jwks_uri": base + "/jwks",
			})
		case "/WebUntis/api/sso/v3/1234/token":
			io.WriteString(w, `{"access_token":"at","token_type":"Bearer","expires_in":180,"refresh_token":"rt2"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) last(t *testing.T) seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotEmpty(t, rec.reqs)
	return rec.reqs[len(rec.reqs)-1]
}

// password holds every character that RFC 6749's Basic escaping changes.
const password = "pl+tf/rm=pass:w%rd&"

func TestExactRequests(t *testing.T) {
	rec := newRecorder(t)
	p, err := webuntis.New(webuntis.Config{
		BaseURL: rec.srv.URL, Tenant: "1234", ClientID: "BestApp",
		ClientSecret: "oidc-secret", Password: password,
		RedirectURL: "https://bestapp.example.domain.at/redirect",
	})
	require.NoError(t, err)
	ctx := context.Background()
	ar := &oauthkit.AuthRequest{Provider: "webuntis", RedirectURL: "https://bestapp.example.domain.at/redirect", CodeVerifier: "verifier-1", IssuedAt: time.Now()}

	tests := []struct {
		name       string
		call       func() error
		wantPath   string
		wantAuth   string
		wantForm   url.Values
		wantAccept string
	}{
		{
			name:     "authorization code: OIDC secret in the body, PKCE verifier, no Basic",
			call:     func() error { _, err := p.Exchange(ctx, "HmToMB_iITpHLucs8RvrL8pEi6iizoKKK7_W8lJSi0k", ar); return err },
			wantPath: "/WebUntis/api/sso/v3/1234/token",
			wantForm: url.Values{
				"grant_type": {"authorization_code"}, "code": {"HmToMB_iITpHLucs8RvrL8pEi6iizoKKK7_W8lJSi0k"},
				"redirect_uri": {"https://bestapp.example.domain.at/redirect"}, "client_id": {"BestApp"},
				"client_secret": {"oidc-secret"}, "code_verifier": {"verifier-1"},
			},
		},
		{
			name:     "client credentials: raw Basic with the platform password, grant_type in the body only",
			call:     func() error { _, err := p.ClientCredentials(ctx); return err },
			wantPath: "/WebUntis/api/sso/v3/1234/token",
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("BestApp:"+password)),
			wantForm: url.Values{"grant_type": {"client_credentials"}},
		},
		{
			name:     "refresh: OIDC secret in the body",
			call:     func() error { _, err := p.Refresh(ctx, "rt1"); return err },
			wantPath: "/WebUntis/api/sso/v3/1234/token",
			wantForm: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt1"}, "client_id": {"BestApp"}, "client_secret": {"oidc-secret"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.call())
			got := rec.last(t)
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, tt.wantPath, got.Path)
			assert.Empty(t, got.RawQuery, "no parameter travels in the query string")
			assert.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
			assert.Equal(t, "application/json", got.Header.Get("Accept"))
			assert.Equal(t, tt.wantAuth, got.Header.Get("Authorization"))
			assert.Equal(t, tt.wantForm, got.Form)
		})
	}

	t.Run("the Basic password decodes to the raw password", func(t *testing.T) {
		_, err := p.ClientCredentials(ctx)
		require.NoError(t, err)
		got := rec.last(t)
		user, pass, ok := (&http.Request{Header: got.Header}).BasicAuth()
		require.True(t, ok)
		assert.Equal(t, "BestApp", user)
		assert.True(t, pass == password, "raw password, not URL-escaped")
	})

	t.Run("discovery is one GET to the tenant's well-known URL", func(t *testing.T) {
		rec.mu.Lock()
		var disc []seen
		for _, r := range rec.reqs {
			if r.Path == "/WebUntis/api/sso/v3/1234/.well-known/openid-configuration" {
				disc = append(disc, r)
			}
		}
		rec.mu.Unlock()
		require.Len(t, disc, 1, "fetched once, kept")
		assert.Equal(t, http.MethodGet, disc[0].Method)
		assert.Equal(t, "application/json", disc[0].Header.Get("Accept"))
		assert.Empty(t, disc[0].Header.Get("Authorization"))
	})
}

func TestAuthCodeURL(t *testing.T) {
	rec := newRecorder(t)
	p, err := webuntis.New(webuntis.Config{
		BaseURL: rec.srv.URL, Tenant: "1234", ClientID: "BestApp", ClientSecret: "s",
		RedirectURL: "https://bestapp.example.domain.at/redirect",
	})
	require.NoError(t, err)
	ar, err := p.AuthCodeURL(context.Background(), oauthkit.WithPrompt("login"))
	require.NoError(t, err)

	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	assert.Equal(t, rec.srv.URL+"/WebUntis/api/sso/v3/1234/authorize", u.Scheme+"://"+u.Host+u.Path)
	q := u.Query()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "openid roster-core.readonly", q.Get("scope"))
	assert.Equal(t, "BestApp", q.Get("client_id"))
	assert.Equal(t, "https://bestapp.example.domain.at/redirect", q.Get("redirect_uri"))
	assert.Equal(t, ar.State, q.Get("state"))
	assert.Equal(t, ar.Nonce, q.Get("nonce"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Len(t, q.Get("code_challenge"), 43)
	assert.Equal(t, "login", q.Get("prompt"))
	assert.Equal(t, "webuntis", ar.Provider)
	assert.Equal(t, "https://bestapp.example.domain.at/redirect", ar.RedirectURL)

	again, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, ar.State, again.State, "every login starts fresh")
	assert.NotEqual(t, ar.Nonce, again.Nonce)
	assert.NotEqual(t, ar.CodeVerifier, again.CodeVerifier)
}
