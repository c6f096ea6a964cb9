package justimmo_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

const (
	testClientID = "client-9"
	testSecret   = "s3cr3t+/=:%&ä"
	testRedirect = "https://crm.example.com/oauth/justimmo"
	tokenAnswer  = `{"token_type":"Bearer","expires_in":86400,"access_token":"access-1","refresh_token":"refresh-2"}`
)

var testNow = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

// newStub returns a provider whose auth and API hosts are two recording
// servers.
func newStub(t *testing.T, auth, api http.HandlerFunc) (*justimmo.Provider, *fakeidp.Recorder, *fakeidp.Recorder) {
	t.Helper()
	a := fakeidp.NewRecorder(auth)
	t.Cleanup(a.Close)
	b := fakeidp.NewRecorder(api)
	t.Cleanup(b.Close)
	p, err := justimmo.New(justimmo.Config{
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RedirectURL:  testRedirect,
		AuthURL:      a.URL,
		APIURL:       b.URL,
		HTTPClient:   a.Client(),
		Now:          func() time.Time { return testNow },
	})
	require.NoError(t, err)
	return p, a, b
}

func unused(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "unexpected request", http.StatusTeapot)
}

func TestDefaultsAndDiscover(t *testing.T) {
	p, err := justimmo.New(justimmo.Config{ClientID: "c", ClientSecret: "s"})
	require.NoError(t, err)
	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &oauthkit.Endpoints{
		AuthURL:     "https://auth.justimmo.at/authorize",
		TokenURL:    "https://auth.justimmo.at/access_token",
		UserInfoURL: "https://api.justimmo.at/oauth/user/current",
	}, ep)
	assert.Equal(t, "justimmo", p.Name())
	assert.Equal(t, `justimmo.Provider{AuthURL:"https://auth.justimmo.at" APIURL:"https://api.justimmo.at" ClientID:"c"}`, p.String())

	_, err = p.AuthCodeURL(context.Background())
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce, "the code flow needs a RedirectURL")
	assert.Equal(t, "RedirectURL", ce.Field)
}

func TestAuthCodeURL(t *testing.T) {
	p, auth, _ := newStub(t, unused, unused)
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	assert.Empty(t, auth.Requests())
	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	assert.Equal(t, auth.URL+"/authorize", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {testRedirect},
		"state":                 {ar.State},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(ar.CodeVerifier)},
		"code_challenge_method": {"S256"},
	}, u.Query(), "no scope unless configured")
	assert.Equal(t, testNow, ar.IssuedAt)
}

func TestTokenRequests(t *testing.T) {
	ctx := context.Background()
	base := url.Values{"client_id": {testClientID}, "client_secret": {testSecret}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	p, auth, api := newStub(t, fakeidp.Reply(200, tokenAnswer), unused)
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)

	tests := []struct {
		name string
		call func() (*oauth2.Token, error)
		want url.Values
	}{
		{"authorization code", func() (*oauth2.Token, error) { return p.Exchange(ctx, "code-1", ar) },
			with("grant_type", "authorization_code", "code", "code-1", "redirect_uri", testRedirect, "code_verifier", ar.CodeVerifier)},
		{"refresh", func() (*oauth2.Token, error) { return p.Refresh(ctx, "refresh-1") },
			with("grant_type", "refresh_token", "refresh_token", "refresh-1")},
		{"client credentials", func() (*oauth2.Token, error) { return p.ClientCredentials(ctx) },
			with("grant_type", "client_credentials")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.call()
			require.NoError(t, err)
			assert.Equal(t, "access-1", tok.AccessToken)
			assert.Equal(t, testNow.Add(24*time.Hour), tok.Expiry)

			got := auth.Last()
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/access_token", got.Path)
			assert.Empty(t, got.Query, "nothing in the query string")
			assert.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
			assert.Empty(t, got.Header.Values("Authorization"), "docs/vendors/justimmo.md#client-authentication: credentials in the body, never a Basic header")
			assert.Equal(t, tt.want, got.Form)
		})
	}
	assert.Empty(t, api.Requests(), "token requests go to the auth host")
}

func TestClientCredentialsScopes(t *testing.T) {
	a := fakeidp.NewRecorder(fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":2678400,"access_token":"cc-1"}`))
	defer a.Close()
	p, err := justimmo.New(justimmo.Config{ClientID: "c", ClientSecret: "s", Scopes: []string{"global", "client"}, AuthURL: a.URL, HTTPClient: a.Client(), Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	tok, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "global client", a.Last().Form.Get("scope"))
	assert.Empty(t, tok.RefreshToken)
	assert.Equal(t, testNow.Add(2678400*time.Second), tok.Expiry)
}

func TestRefreshKeepsTheOldTokenWhenNoneIsIssued(t *testing.T) {
	p, _, _ := newStub(t, fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":86400,"access_token":"a-2"}`), unused)
	tok, err := p.Refresh(context.Background(), "refresh-1")
	require.NoError(t, err)
	assert.Equal(t, "refresh-1", tok.RefreshToken)
}

func TestCurrentUserRequest(t *testing.T) {
	p, auth, api := newStub(t, unused, fakeidp.Reply(200, `{"id":1234,"tenant":{"id":5678}}`))
	u, err := p.User(context.Background(), &oauth2.Token{AccessToken: "access-1"})
	require.NoError(t, err)
	assert.Equal(t, &justimmo.User{ID: "1234", TenantID: "5678"}, u)
	got := api.Last()
	assert.Equal(t, http.MethodGet, got.Method)
	assert.Equal(t, "/oauth/user/current", got.Path)
	assert.Empty(t, got.Query)
	assert.Equal(t, "Bearer access-1", got.Header.Get("Authorization"))
	assert.Empty(t, auth.Requests(), "the current user is on the API host")

	_, err = p.User(context.Background(), nil)
	require.Error(t, err)
	assert.Len(t, api.Requests(), 1)
}

func TestCurrentUserShapes(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       *justimmo.User
	}{
		{"documented", `{"id":1234,"tenant":{"id":5678}}`, &justimmo.User{ID: "1234", TenantID: "5678"}},
		{"string ids", `{"id":"1234","tenant":{"id":"5678"}}`, &justimmo.User{ID: "1234", TenantID: "5678"}},
		{"extra fields", `{"id":1,"tenant":{"id":2,"name":"Makler GmbH"},"email":"x@y.at"}`, &justimmo.User{ID: "1", TenantID: "2"}},
		{"no tenant", `{"id":1}`, &justimmo.User{ID: "1"}},
		{"null tenant", `{"id":1,"tenant":null}`, &justimmo.User{ID: "1"}},
		{"no id", `{"tenant":{"id":2}}`, nil},
		{"fractional id", `{"id":1.5}`, nil},
		{"id too large", `{"id":99999999999999999999}`, nil},
		{"tenant not an object", `{"id":1,"tenant":5}`, nil},
		{"array", `[]`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, _, _ := newStub(t, unused, fakeidp.Reply(200, tt.body))
			u, err := p.User(context.Background(), &oauth2.Token{AccessToken: "access-1"})
			if tt.want == nil {
				require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, u)
		})
	}
}

func TestFetchUserInfo(t *testing.T) {
	p, _, _ := newStub(t, unused, fakeidp.Reply(200, `{"id":1234,"tenant":{"id":5678}}`))
	ui, err := p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "access-1"})
	require.NoError(t, err)
	assert.Equal(t, "1234", ui.Subject)
	assert.Empty(t, ui.Email)
	assert.Equal(t, map[string]any{"id": 1234.0, "tenant": map[string]any{"id": 5678.0}}, ui.Raw)
}
