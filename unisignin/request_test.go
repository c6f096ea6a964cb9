package unisignin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

const (
	testSecret   = "s3cr3t+/=:%&ü"
	tokenAnswer  = `{"token_type":"Bearer","expires_in":3599,"access_token":"access-1","refresh_token":"refresh-2"}`
	webRedirect  = "https://app.example.com/callback"
	appRedirect  = "com.example.app://oauth/callback"
	testClientID = "client-7"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newStub returns a provider against a recording server answering with h.
func newStub(t *testing.T, secret oauthkit.Secret, h http.HandlerFunc) (*unisignin.Provider, *fakeidp.Recorder) {
	t.Helper()
	rec := fakeidp.NewRecorder(h)
	t.Cleanup(rec.Close)
	redirect := webRedirect
	if secret.IsZero() {
		redirect = appRedirect
	}
	p, err := unisignin.New(unisignin.Config{
		BaseURL:      rec.URL,
		ClientID:     testClientID,
		ClientSecret: secret,
		RedirectURL:  redirect,
		HTTPClient:   rec.Client(),
		Now:          func() time.Time { return testNow },
	})
	require.NoError(t, err)
	return p, rec
}

// mustNewStatic is a web provider against rec, whose one answer serves as
// both the token response and the profile.
func mustNewStatic(tb testing.TB, rec *fakeidp.Recorder) *unisignin.Provider {
	tb.Helper()
	p, err := unisignin.New(unisignin.Config{
		BaseURL:      rec.URL,
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RedirectURL:  webRedirect,
		HTTPClient:   rec.Client(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestAuthCodeURL(t *testing.T) {
	for _, tt := range []struct {
		name     string
		secret   oauthkit.Secret
		redirect string
	}{
		{"web", testSecret, webRedirect},
		{"app", "", appRedirect},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newStub(t, tt.secret, fakeidp.Reply(500, "unused"))
			ar, err := p.AuthCodeURL(context.Background())
			require.NoError(t, err)
			assert.Empty(t, rec.Requests(), "AuthCodeURL sends nothing")

			u, err := url.Parse(ar.URL)
			require.NoError(t, err)
			assert.Equal(t, rec.URL+"/oauth/v2/authorize", u.Scheme+"://"+u.Host+u.Path)
			want := url.Values{
				"response_type":         {"code"},
				"client_id":             {testClientID},
				"redirect_uri":          {tt.redirect},
				"scope":                 {"public"},
				"state":                 {ar.State},
				"code_challenge":        {ar.CodeVerifier},
				"code_challenge_method": {"plain"},
			}
			assert.Equal(t, want, u.Query())
			assert.Equal(t, "unisignin", ar.Provider)
			assert.Equal(t, tt.redirect, ar.RedirectURL)
			assert.Equal(t, testNow, ar.IssuedAt)
			assert.Empty(t, ar.Nonce, "UniSignIn is not OpenID Connect")
		})
	}
}

func TestAuthCodeURLOptions(t *testing.T) {
	p, _ := newStub(t, testSecret, fakeidp.Reply(500, "unused"))
	ar, err := p.AuthCodeURL(context.Background(), oauthkit.WithScopes("profile"), oauthkit.WithParam("lang", "de"))
	require.NoError(t, err)
	u, _ := url.Parse(ar.URL)
	assert.Equal(t, "public profile", u.Query().Get("scope"))
	assert.Equal(t, "de", u.Query().Get("lang"))

	_, err = p.AuthCodeURL(context.Background(), oauthkit.WithParam("code_challenge_method", "S256"))
	require.Error(t, err, "PKCE parameters cannot be overridden")
}

func TestAuthCodeURLNeedsRedirect(t *testing.T) {
	p, err := unisignin.New(unisignin.Config{BaseURL: "https://a.example", ClientID: "c"})
	require.NoError(t, err)
	_, err = p.AuthCodeURL(context.Background())
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "RedirectURL", ce.Field)
}

// TestVerifierRule checks the vendor's rule over many generated verifiers:
// letters and digits only, more than 48 and fewer than 128, all different.
func TestVerifierRule(t *testing.T) {
	p, _ := newStub(t, "", fakeidp.Reply(500, "unused"))
	rule := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	seen := map[string]bool{}
	used := map[rune]bool{}
	const n = 3000
	for range n {
		ar, err := p.AuthCodeURL(context.Background())
		require.NoError(t, err)
		v := ar.CodeVerifier
		require.Truef(t, rule.MatchString(v), "verifier has a character other than a letter or digit (length %d)", len(v))
		require.GreaterOrEqual(t, len(v), 49) // docs/vendors/unisignin.md#pkce
		require.LessOrEqual(t, len(v), 127)
		require.False(t, seen[v], "verifier repeated")
		seen[v] = true
		for _, r := range v {
			used[r] = true
		}
		u, _ := url.Parse(ar.URL)
		require.Equal(t, v, u.Query().Get("code_challenge"), "plain: the challenge is the verifier")
	}
	assert.Len(t, used, 62, "every letter and digit appears over %d verifiers", n)
}

func TestExchangeRequest(t *testing.T) {
	for _, tt := range []struct {
		name       string
		secret     oauthkit.Secret
		wantSecret []string
		redirect   string
	}{
		{"web", testSecret, []string{testSecret}, webRedirect},
		{"app", "", nil, appRedirect},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newStub(t, tt.secret, fakeidp.Reply(200, tokenAnswer))
			ar, err := p.AuthCodeURL(context.Background())
			require.NoError(t, err)
			tok, err := p.Exchange(context.Background(), "the-code", ar)
			require.NoError(t, err)

			require.Len(t, rec.Requests(), 1)
			got := rec.Last()
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/oauth/v2/access_token", got.Path)
			assert.Empty(t, got.Query, "league reads the body only")
			assert.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
			assert.Empty(t, got.Header.Get("Authorization"), "credentials go in the body")
			want := url.Values{
				"grant_type":    {"authorization_code"},
				"code":          {"the-code"},
				"redirect_uri":  {tt.redirect},
				"client_id":     {testClientID},
				"code_verifier": {ar.CodeVerifier},
			}
			if tt.wantSecret != nil {
				want["client_secret"] = tt.wantSecret
			}
			assert.Equal(t, want, got.Form)

			assert.Equal(t, "access-1", tok.AccessToken)
			assert.Equal(t, "refresh-2", tok.RefreshToken)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Equal(t, testNow.Add(3599*time.Second), tok.Expiry)
		})
	}
}

func TestExchangeRefusesBadInput(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(200, tokenAnswer))
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	_, err = p.Exchange(context.Background(), "", ar)
	require.ErrorIs(t, err, oauthkit.ErrMissingCode)
	_, err = p.Exchange(context.Background(), "c", nil)
	require.Error(t, err)
	other := &oauthkit.AuthRequest{Provider: "justimmo", State: ar.State, RedirectURL: ar.RedirectURL}
	_, err = p.Exchange(context.Background(), "c", other)
	require.Error(t, err)
	assert.Empty(t, rec.Requests())
}

func TestExchangeIsNotRetried(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(503, "<html>busy</html>"))
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	_, err = p.Exchange(context.Background(), "the-code", ar)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Len(t, rec.Requests(), 1, "a code is single-use: never resent")
}

func TestPasswordTokenRequest(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secret oauthkit.Secret
	}{{"app", ""}, {"web", testSecret}} {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newStub(t, tt.secret, fakeidp.Reply(200, tokenAnswer))
			tok, err := p.PasswordToken(context.Background(), "ada@example.com", "pa ss+word&=")
			require.NoError(t, err)
			assert.Equal(t, "refresh-2", tok.RefreshToken)

			got := rec.Last()
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/oauth/v2/access_token", got.Path)
			assert.Empty(t, got.Query)
			assert.Empty(t, got.Header.Get("Authorization"))
			want := url.Values{
				"grant_type": {"password"},
				"client_id":  {testClientID},
				"username":   {"ada@example.com"},
				"password":   {"pa ss+word&="},
				"scope":      {"public"},
			}
			if !tt.secret.IsZero() {
				want["client_secret"] = []string{tt.secret.Reveal()}
			}
			assert.Equal(t, want, got.Form)
		})
	}
}

func TestPasswordTokenRefusesEmpty(t *testing.T) {
	p, rec := newStub(t, "", fakeidp.Reply(200, tokenAnswer))
	_, err := p.PasswordToken(context.Background(), "", "x")
	require.Error(t, err)
	_, err = p.PasswordToken(context.Background(), "a@example.com", "")
	require.Error(t, err)
	assert.Empty(t, rec.Requests())
}

func TestRefreshRequestAndRotation(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(200, tokenAnswer))
	tok, err := p.Refresh(context.Background(), "refresh-1")
	require.NoError(t, err)
	got := rec.Last()
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/oauth/v2/access_token", got.Path)
	assert.Empty(t, got.Header.Get("Authorization"))
	assert.Equal(t, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {"refresh-1"},
		"client_id":     {testClientID},
		"client_secret": {testSecret},
	}, got.Form)
	assert.Equal(t, "refresh-2", tok.RefreshToken, "the rotated refresh token replaces the old one")

	// An answer without a refresh token keeps the one sent (RFC 6749 §6).
	rec.SetHandler(fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":60,"access_token":"access-3"}`))
	tok, err = p.Refresh(context.Background(), "refresh-2")
	require.NoError(t, err)
	assert.Equal(t, "refresh-2", tok.RefreshToken)

	_, err = p.Refresh(context.Background(), "")
	require.Error(t, err)
	assert.Len(t, rec.Requests(), 2, "an empty refresh token sends nothing")
}

func TestClientCredentialsUnsupported(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(200, tokenAnswer))
	_, err := p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, errors.ErrUnsupported)
	assert.Contains(t, err.Error(), "unisignin: client credentials")
	assert.Empty(t, rec.Requests())
}

func TestDiscover(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(500, "unused"))
	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &oauthkit.Endpoints{
		AuthURL:     rec.URL + "/oauth/v2/authorize",
		TokenURL:    rec.URL + "/oauth/v2/access_token",
		UserInfoURL: rec.URL + "/oauth/v2/user",
	}, ep)
	ep.AuthURL = "changed"
	again, _ := p.Discover(context.Background())
	assert.Equal(t, rec.URL+"/oauth/v2/authorize", again.AuthURL, "callers get a copy")
	assert.Empty(t, rec.Requests())
	assert.Equal(t, "unisignin", p.Name())
}

func TestUserRequest(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(200, `{"id":42,"email":"ada@example.com","name":"Ada Lovelace"}`))
	u, err := p.User(context.Background(), &oauth2.Token{AccessToken: "access-1"})
	require.NoError(t, err)
	got := rec.Last()
	assert.Equal(t, http.MethodGet, got.Method)
	assert.Equal(t, "/oauth/v2/user", got.Path)
	assert.Equal(t, url.Values{"client_id": {testClientID}}, got.Query)
	assert.Equal(t, "Bearer access-1", got.Header.Get("Authorization"))
	assert.Equal(t, "42", u.ID)
	assert.Equal(t, "ada@example.com", u.Email)
	assert.Equal(t, "Ada Lovelace", u.Name)

	_, err = p.User(context.Background(), nil)
	require.Error(t, err)
	_, err = p.User(context.Background(), &oauth2.Token{})
	require.Error(t, err)
	assert.Len(t, rec.Requests(), 1)
}

func TestUserShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       unisignin.User
		bad        bool
	}{
		{"number id", `{"id":7,"email":"a@x.io","name":"A"}`, unisignin.User{ID: "7", Email: "a@x.io", Name: "A"}, false},
		{"string id", `{"id":"u-7","email":"a@x.io"}`, unisignin.User{ID: "u-7", Email: "a@x.io"}, false},
		{"big id keeps digits", `{"id":12345678901234567890}`, unisignin.User{ID: "12345678901234567890"}, false},
		{"first and last", `{"id":1,"first_name":"Ada","last_name":"Lovelace"}`, unisignin.User{ID: "1", Name: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace"}, false},
		{"camel case names", `{"id":1,"firstName":"Ada","lastName":"L"}`, unisignin.User{ID: "1", Name: "Ada L", FirstName: "Ada", LastName: "L"}, false},
		{"wrapped in data", `{"data":{"id":3,"email":"c@x.io"}}`, unisignin.User{ID: "3", Email: "c@x.io"}, false},
		{"sub instead of id", `{"sub":"9","email":"d@x.io"}`, unisignin.User{ID: "9", Email: "d@x.io"}, false},
		{"wrong types skipped", `{"id":5,"email":17,"name":["x"]}`, unisignin.User{ID: "5"}, false},
		{"no id", `{"email":"a@x.io"}`, unisignin.User{}, true},
		{"fractional id", `{"id":1.5}`, unisignin.User{}, true},
		{"not an object", `[1,2]`, unisignin.User{}, true},
		{"null", `null`, unisignin.User{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newStub(t, testSecret, fakeidp.Reply(200, tt.body))
			u, err := p.User(context.Background(), &oauth2.Token{AccessToken: "a"})
			if tt.bad {
				require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
				var e *oauthkit.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, "user", e.Op)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.body, string(u.Raw))
			u.Raw = nil
			assert.Equal(t, tt.want, *u)
		})
	}
}

func TestFetchUserInfo(t *testing.T) {
	p, _ := newStub(t, testSecret, fakeidp.Reply(200, `{"data":{"id":42,"email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","plan":"pro"}}`))
	ui, err := p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "a"})
	require.NoError(t, err)
	assert.Equal(t, "42", ui.Subject)
	assert.Equal(t, "ada@example.com", ui.Email)
	assert.Equal(t, "Ada Lovelace", ui.Name)
	assert.Equal(t, "pro", ui.Raw["plan"])
}

func TestProviderIsApp(t *testing.T) {
	web, _ := newStub(t, testSecret, fakeidp.Reply(500, ""))
	app, _ := newStub(t, "", fakeidp.Reply(500, ""))
	assert.False(t, web.IsApp())
	assert.True(t, app.IsApp())
	assert.True(t, strings.Contains(web.String(), "Flow:web"))
	assert.True(t, strings.Contains(app.String(), "Flow:app"))
}

// TestDocumentedTokenResponse reads the vendor's sample answer
// (docs/vendors/unisignin.md#tokens; testdata/token_response.json,
// verbatim).
func TestDocumentedTokenResponse(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "token_response.json"))
	require.NoError(t, err)
	var sample map[string]any
	require.NoError(t, json.Unmarshal(body, &sample))
	p, _ := newStub(t, testSecret, fakeidp.Reply(200, string(body)))
	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	tok, err := p.Exchange(context.Background(), "code-1", ar)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, sample["access_token"], tok.AccessToken)
	assert.Equal(t, sample["refresh_token"], tok.RefreshToken)
	assert.Equal(t, testNow.Add(3599*time.Second), tok.Expiry)
	assert.EqualValues(t, 3599, tok.ExpiresIn)
}
