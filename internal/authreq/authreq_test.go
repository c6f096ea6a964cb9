package authreq

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

func TestNewBuildsTheURL(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ar, err := New(Spec{
		Provider: "webuntis", AuthURL: "https://idp.example/authorize", ResponseType: "code",
		ClientID: "c", RedirectURL: "https://app.example/cb", Scopes: []string{"openid", "roster-core.readonly"},
		Nonce: true, PKCE: &DefaultPKCE, Now: func() time.Time { return now },
	}, []oauthkit.AuthOption{oauthkit.WithScopes("openid", "untis-profile"), oauthkit.WithParam("ui_locales", "de"), oauthkit.WithPrompt("login")})
	require.NoError(t, err)
	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "idp.example", u.Host)
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "c", q.Get("client_id"))
	assert.Equal(t, "https://app.example/cb", q.Get("redirect_uri"))
	assert.Equal(t, "openid roster-core.readonly untis-profile", q.Get("scope"))
	assert.Equal(t, ar.State, q.Get("state"))
	assert.Equal(t, ar.Nonce, q.Get("nonce"))
	assert.Equal(t, DefaultPKCE.Challenge(ar.CodeVerifier), q.Get("code_challenge"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, "login", q.Get("prompt"))
	assert.Equal(t, "de", q.Get("ui_locales"))
	assert.Equal(t, now, ar.IssuedAt)
	assert.Equal(t, "webuntis", ar.Provider)
	providertest.Text(t, "authorize URL", ar.URL, ar.CodeVerifier)
}

func TestNewKeepsAnExistingQuery(t *testing.T) {
	ar, err := New(Spec{Provider: "licensespring", AuthURL: "https://kc.example/auth?scope=openid&response_type=code&client_id=license-users&kc_idp_hint=foo", Nonce: true}, nil)
	require.NoError(t, err)
	u, _ := url.Parse(ar.URL)
	q := u.Query()
	assert.Equal(t, "license-users", q.Get("client_id"))
	assert.Equal(t, "foo", q.Get("kc_idp_hint"))
	assert.Equal(t, "openid", q.Get("scope"))
	assert.NotEmpty(t, q.Get("state"))
	assert.NotEmpty(t, q.Get("nonce"))
	assert.Empty(t, q.Get("code_challenge"))
}

func TestNewRefusesReservedParams(t *testing.T) {
	for _, k := range []string{"state", "nonce", "redirect_uri", "Code_Challenge", "client_id", "scope"} {
		_, err := New(Spec{Provider: "p", AuthURL: "https://x"}, []oauthkit.AuthOption{oauthkit.WithParam(k, "evil")})
		assert.Error(t, err, k)
	}
}

func TestWithParamRefusesRequestObjectAndResponseMode(t *testing.T) {
	for _, k := range []string{"request", "request_uri", "response_mode", "response_type", "REQUEST", "Request_URI", "Response_Mode", "RESPONSE_TYPE"} {
		_, err := New(Spec{Provider: "p", AuthURL: "https://x"}, []oauthkit.AuthOption{oauthkit.WithParam(k, "evil")})
		assert.Error(t, err, k)
	}
}

func TestFreshValuesEachTime(t *testing.T) {
	a, _ := New(Spec{Provider: "p", AuthURL: "https://x", Nonce: true, PKCE: &DefaultPKCE}, nil)
	b, _ := New(Spec{Provider: "p", AuthURL: "https://x", Nonce: true, PKCE: &DefaultPKCE}, nil)
	assert.NotEqual(t, a.State, b.State)
	assert.NotEqual(t, a.Nonce, b.Nonce)
	assert.NotEqual(t, a.CodeVerifier, b.CodeVerifier)
}

func TestCheckExchange(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ar := &oauthkit.AuthRequest{Provider: "p", IssuedAt: now}
	assert.ErrorIs(t, CheckExchange("p", "", ar, now), oauthkit.ErrMissingCode)
	assert.Error(t, CheckExchange("p", "code", nil, now))
	assert.Error(t, CheckExchange("q", "code", ar, now))
	assert.False(t, ar.Used(), "a refused exchange does not spend the request")
	assert.NoError(t, CheckExchange("p", "code", ar, now))
	assert.True(t, ar.Used())
}

func TestCheckExchangeRefusesUsedOrExpiredAuthRequest(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ar, err := New(Spec{Provider: "p", AuthURL: "https://x", Now: func() time.Time { return now }}, nil)
	require.NoError(t, err)
	require.NoError(t, CheckExchange("p", "code", ar, now))
	assert.ErrorIs(t, CheckExchange("p", "code", ar, now), oauthkit.ErrAuthRequestUsed, "exchanged once")

	ar, err = New(Spec{Provider: "p", AuthURL: "https://x", Now: func() time.Time { return now }}, nil)
	require.NoError(t, err)
	assert.ErrorIs(t, CheckExchange("p", "code", ar, now.Add(oauthkit.DefaultLoginMaxAge)), oauthkit.ErrLoginExpired)
	assert.NoError(t, CheckExchange("p", "code", ar, now.Add(oauthkit.DefaultLoginMaxAge-time.Second)))

	ar, err = New(Spec{Provider: "p", AuthURL: "https://x", Now: func() time.Time { return now }}, []oauthkit.AuthOption{oauthkit.WithMaxAge(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, now.Add(time.Minute), ar.ExpiresAt)
	assert.ErrorIs(t, CheckExchange("p", "code", ar, now.Add(time.Minute)), oauthkit.ErrLoginExpired)

	year := &oauthkit.AuthRequest{Provider: "p", IssuedAt: now.AddDate(-1, 0, 0)}
	assert.ErrorIs(t, CheckExchange("p", "code", year, now), oauthkit.ErrLoginExpired, "a year-old request")
	assert.ErrorIs(t, CheckExchange("p", "code", &oauthkit.AuthRequest{Provider: "p"}, now), oauthkit.ErrLoginExpired, "a request with no time at all")
}

func TestNewSetsIssuerFromSpec(t *testing.T) {
	ar, err := New(Spec{Provider: "p", AuthURL: "https://x", Issuer: "https://idp.example", RequireIssuer: true}, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://idp.example", ar.Issuer)
	assert.True(t, ar.RequireIssuer)
}

func TestResponseTypes(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want []string
		code bool
	}{
		{"https://idp.example/auth?response_type=code&state=s", []string{"code"}, true},
		{"https://idp.example/auth?response_type=id_token+token", []string{"id_token", "token"}, false},
		{"https://idp.example/auth?response_type=code+id_token", []string{"code", "id_token"}, true},
		{"https://idp.example/auth?state=s", nil, false},
		{"://not a url", nil, false},
	} {
		got := ResponseTypes(tc.url)
		if !slices.Equal(got, tc.want) {
			t.Errorf("ResponseTypes(%q) = %q, want %q", tc.url, got, tc.want)
		}
		if RequestsCode(tc.url) != tc.code {
			t.Errorf("RequestsCode(%q) = %t, want %t", tc.url, !tc.code, tc.code)
		}
	}
}
