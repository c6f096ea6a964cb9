package licensespring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

// newFake starts a fake with a fixed clock and returns it with a provider
// for responseType.
func newFake(t *testing.T, o licensespringtest.Options, responseType string) (*licensespringtest.Server, *licensespring.Provider) {
	t.Helper()
	if o.Now == nil {
		o.Now = clock
	}
	srv := licensespringtest.NewServer(o)
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.ResponseType = responseType
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	return srv, p
}

// activate posts creds to the fake's activate_license, signed with the
// provider's Signer, and returns the answer's status and body.
func activate(t *testing.T, srv *licensespringtest.Server, p *licensespring.Provider, creds *licensespring.ActivationCredentials) (int, map[string]any) {
	t.Helper()
	body, err := json.Marshal(creds)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/activate_license", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	client := &http.Client{Transport: p.Signer().Transport(srv.Client().Transport)}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestActivationWithCode(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()

	ar, err := p.ActivationURL(ctx)
	require.NoError(t, err)
	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "license-users", q.Get("client_id"))
	assert.Equal(t, "acme-idp", q.Get("kc_idp_hint"))
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, ar.State, q.Get("state"))
	assert.Equal(t, ar.Nonce, q.Get("nonce"))
	assert.False(t, q.Has("code_challenge"), "activation logins carry no PKCE: LicenseSpring redeems the code without a verifier")
	assert.Empty(t, ar.CodeVerifier)

	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	creds, err := p.CompleteActivation(ctx, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, cb.Query().Get("code"), creds.Code)
	assert.Empty(t, creds.IDToken)
	assert.Equal(t, "acme", creds.CustomerAccountCode)
	assert.Zero(t, srv.Requests(licensespringtest.EndpointToken), "the code must not be exchanged")

	creds.HardwareID = "hw-1"
	status, body := activate(t, srv, p, creds)
	require.Equal(t, http.StatusOK, status, body)
	require.Len(t, srv.Activations(), 1)
	assert.Equal(t, licensespringtest.Activation{Product: "oauthkit-demo", HardwareID: "hw-1", CustomerAccountCode: "acme", Grant: "code", Subject: "license-user-1"}, srv.Activations()[0])

	// The callback cannot be completed twice, nor the code exchanged.
	_, err = p.CompleteActivation(ctx, ar, cb.Query())
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
	_, err = p.Exchange(ctx, creds.Code, ar)
	require.ErrorIs(t, err, licensespring.ErrWrongFlow)
	assert.Contains(t, err.Error(), "activate_license")
}

func TestLoginWithCodeThenActivation(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	q := mustQuery(t, ar.URL)
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.NotEmpty(t, ar.CodeVerifier)
	assert.Equal(t, "http://127.0.0.1/auth/licensespring/callback", ar.RedirectURL)

	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)

	// A login's code is bound to its PKCE verifier: it cannot go to activate_license.
	_, err = p.CompleteActivation(ctx, ar, cb.Query())
	require.ErrorIs(t, err, licensespring.ErrWrongFlow)
	assert.Contains(t, err.Error(), "ActivationURL")

	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, "license-user-1", login.UserInfo.Subject)
	assert.Equal(t, "ada@example.com", login.UserInfo.Email)
	assert.Equal(t, "Ada Lovelace", login.UserInfo.Name)
	assert.Equal(t, srv.Issuer(), login.IDToken.Issuer)
	assert.Equal(t, testNow.Add(300*time.Second), login.Token.Expiry)
	require.NotEmpty(t, login.Token.RefreshToken)

	creds, err := p.ActivationFromLogin(login)
	require.NoError(t, err)
	assert.NotEmpty(t, creds.IDToken)
	assert.Empty(t, creds.Code)
	creds.HardwareID = "hw-2"
	status, body := activate(t, srv, p, creds)
	require.Equal(t, http.StatusOK, status, body)

	tok, err := p.Refresh(ctx, login.Token.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, login.Token.AccessToken, tok.AccessToken)
	_, err = p.Refresh(ctx, login.Token.RefreshToken) // rotated
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
}

func TestCodeFromLoginRefusedByActivation(t *testing.T) {
	// The reason AuthCodeURL and ActivationURL differ: Keycloak will not
	// redeem a PKCE-bound code without its verifier, and LicenseSpring has
	// none. Sending the login's code anyway shows it at the fake.
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	creds := &licensespring.ActivationCredentials{CustomerAccountCode: "acme", Code: cb.Query().Get("code"), Product: "oauthkit-demo", HardwareID: "hw"}
	status, body := activate(t, srv, p, creds)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "sso_authentication_failed", body["code"])
}

func TestLoginWithCodeRejectsBadIDTokens(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(map[string]any)
		ar     func(*oauthkit.AuthRequest)
		want   error
	}{
		{name: "wrong nonce", mutate: func(c map[string]any) { c["nonce"] = "someone-elses" }, want: oauthkit.ErrNonceMismatch},
		{name: "nonce of another request", ar: func(ar *oauthkit.AuthRequest) { ar.Nonce = "not-the-one-sent" }, want: oauthkit.ErrNonceMismatch},
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://auth.example.com/realms/user-portal" }, want: oauthkit.ErrIDTokenIssuer},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = "other-client"; c["azp"] = "other-client" }, want: oauthkit.ErrIDTokenAudience},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = testNow.Add(-time.Minute).Unix() }, want: oauthkit.ErrIDTokenExpired},
		// OpenID Connect Core §2 requires both; the provider once accepted
		// a token without them.
		{name: "no sub", mutate: func(c map[string]any) { delete(c, "sub") }, want: oauthkit.ErrInvalidIDToken},
		{name: "no iat", mutate: func(c map[string]any) { delete(c, "iat") }, want: oauthkit.ErrInvalidIDToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
			ctx := context.Background()
			srv.MutateIDTokens(tt.mutate)
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			cb, err := srv.Authorize(ctx, ar.URL)
			require.NoError(t, err)
			if tt.ar != nil {
				tt.ar(ar)
			}
			_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
		})
	}
}

func TestImplicitLoginThenActivation(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeToken)
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	q := mustQuery(t, ar.URL)
	assert.Equal(t, "id_token token", q.Get("response_type"))
	assert.False(t, q.Has("code_challenge"), "PKCE has no place in the implicit grant")
	assert.NotEmpty(t, q.Get("nonce"))

	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	require.Empty(t, cb.RawQuery, "implicit tokens travel in the fragment")
	fragment := cb.EscapedFragment()

	login, err := p.CompleteImplicit(ctx, ar, fragment)
	require.NoError(t, err)
	assert.Equal(t, "license-user-1", login.UserInfo.Subject)
	assert.Equal(t, "Bearer", login.Token.TokenType)
	assert.Equal(t, testNow.Add(300*time.Second), login.Token.Expiry)
	assert.NotEmpty(t, login.IDToken.AccessTokenHash)
	assert.Zero(t, srv.Requests(licensespringtest.EndpointToken))

	// single use
	_, err = p.CompleteImplicit(ctx, ar, fragment)
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)

	creds, err := p.ActivationFromLogin(login)
	require.NoError(t, err)
	creds.HardwareID = "hw-3"
	status, body := activate(t, srv, p, creds)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "id_token", srv.Activations()[0].Grant)
}

// TestImplicitRefusesIDTokenWithoutAtHash: OpenID Connect Core §3.2.2.10
// requires at_hash in the ID token of an "id_token token" response; without
// it nothing binds the access token in the fragment to the verified login,
// so a swapped access token would pass.
func TestImplicitRefusesIDTokenWithoutAtHash(t *testing.T) {
	ctx := context.Background()
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeToken)
	srv.MutateIDTokens(func(c map[string]any) { delete(c, "at_hash") })
	for _, swap := range []bool{false, true} {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		f, err := url.ParseQuery(cb.EscapedFragment())
		require.NoError(t, err)
		require.True(t, f.Has("id_token"))
		if swap {
			f.Set("access_token", "an-access-token-from-elsewhere")
		}
		login, err := p.CompleteImplicit(ctx, ar, f.Encode())
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken, "swapped access token: %v", swap)
		assert.Contains(t, err.Error(), "at_hash")
		assert.Nil(t, login)
	}

	// With at_hash, as Keycloak sends it, the login passes.
	srv.MutateIDTokens(nil)
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := p.CompleteImplicit(ctx, ar, cb.EscapedFragment())
	require.NoError(t, err)
	assert.NotEmpty(t, login.IDToken.AccessTokenHash)
}

func TestImplicitRejects(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(map[string]any)
		fragment func(f url.Values)
		want     error
	}{
		{name: "wrong nonce", mutate: func(c map[string]any) { c["nonce"] = "x" }, want: oauthkit.ErrNonceMismatch},
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://evil.example/realms/user-portal" }, want: oauthkit.ErrIDTokenIssuer},
		{name: "access token swapped", fragment: func(f url.Values) { f.Set("access_token", "another-token") }, want: oauthkit.ErrInvalidIDToken},
		{name: "wrong state", fragment: func(f url.Values) { f.Set("state", "forged") }, want: oauthkit.ErrStateMismatch},
		{name: "no state", fragment: func(f url.Values) { f.Del("state") }, want: oauthkit.ErrStateMismatch},
		{name: "no id token", fragment: func(f url.Values) { f.Del("id_token") }, want: oauthkit.ErrMissingIDToken},
		{name: "no access token", fragment: func(f url.Values) { f.Del("access_token") }, want: oauthkit.ErrMalformedResponse},
		{name: "not bearer", fragment: func(f url.Values) { f.Set("token_type", "mac") }, want: oauthkit.ErrMalformedResponse},
		{name: "bad expires_in", fragment: func(f url.Values) { f.Set("expires_in", "soon") }, want: oauthkit.ErrMalformedResponse},
		{name: "code smuggled in", fragment: func(f url.Values) { f.Set("code", "abc") }, want: oauthkit.ErrMalformedResponse},
		{name: "error redirect", fragment: func(f url.Values) {
			st := f.Get("state")
			for k := range f {
				f.Del(k)
			}
			f.Set("error", "access_denied")
			f.Set("state", st)
		}, want: oauthkit.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeToken)
			ctx := context.Background()
			srv.MutateIDTokens(tt.mutate)
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			cb, err := srv.Authorize(ctx, ar.URL)
			require.NoError(t, err)
			f, err := url.ParseQuery(cb.EscapedFragment())
			require.NoError(t, err)
			if tt.fragment != nil {
				tt.fragment(f)
			}
			_, err = p.CompleteImplicit(ctx, ar, "#"+f.Encode())
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestCallbackPathsRefuseEachOther(t *testing.T) {
	ctx := context.Background()
	srv, code := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ar, err := code.ActivationURL(ctx)
	require.NoError(t, err)
	_, err = code.CompleteImplicit(ctx, ar, "state="+ar.State+"&access_token=a&token_type=Bearer")
	require.ErrorIs(t, err, licensespring.ErrWrongFlow)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	_, err = oauthkit.Complete(ctx, code, ar, cb.Query())
	require.ErrorIs(t, err, licensespring.ErrWrongFlow, "Complete exchanges, and an activation code must not be exchanged")
	assert.Zero(t, srv.Requests(licensespringtest.EndpointToken))

	_, token := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeToken)
	ar, err = token.AuthCodeURL(ctx)
	require.NoError(t, err)
	_, err = token.CompleteActivation(ctx, ar, url.Values{"state": {ar.State}, "code": {"x"}})
	require.ErrorIs(t, err, licensespring.ErrWrongFlow)
	assert.Contains(t, err.Error(), "CompleteImplicit")
}

func TestActivationCallbackErrors(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ctx := context.Background()
	ar, err := p.ActivationURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)

	forged := cb.Query()
	forged.Set("state", "forged")
	_, err = p.CompleteActivation(ctx, ar, forged)
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)

	denied := url.Values{"state": {ar.State}, "error": {"access_denied"}, "error_description": {"user cancelled"}}
	_, err = p.CompleteActivation(ctx, ar, denied)
	require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
	var e *oauthkit.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "user cancelled", e.Description)

	ar2, err := p.ActivationURL(ctx)
	require.NoError(t, err)
	_, err = p.CompleteActivation(ctx, ar2, url.Values{"state": {ar2.State}})
	require.ErrorIs(t, err, oauthkit.ErrMissingCode)

	_, err = p.CompleteActivation(ctx, nil, cb.Query())
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
}

func TestWithoutOpenIDConfiguration(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{OmitOpenIDConfiguration: true}, licensespring.ResponseTypeCode)
	ctx := context.Background()
	s, err := p.SSOURL(ctx)
	require.NoError(t, err)
	assert.Nil(t, s.OpenIDConfiguration)
	assert.Equal(t, srv.Issuer(), s.Issuer(), "derived from the URL by Keycloak's layout")

	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	require.NoError(t, err)
	assert.Equal(t, "license-user-1", login.UserInfo.Subject)
}

func TestDiscover(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	base := srv.Issuer() + "/protocol/openid-connect"
	assert.Equal(t, &oauthkit.Endpoints{
		Issuer:           srv.Issuer(),
		AuthURL:          base + "/auth",
		TokenURL:         base + "/token",
		JWKSURL:          base + "/certs",
		EndSessionURL:    base + "/logout",
		IntrospectionURL: base + "/token/introspect",
		RevocationURL:    base + "/revoke",
	}, ep)
	assert.Equal(t, 1, srv.Requests(licensespringtest.EndpointSSOURL))
	assert.Equal(t, 1, srv.Requests(licensespringtest.EndpointDiscovery))
}

func TestClientCredentialsUnsupported(t *testing.T) {
	_, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	_, err := p.ClientCredentials(context.Background())
	require.ErrorIs(t, err, errors.ErrUnsupported)
}

func TestWrongRedirectURLRefused(t *testing.T) {
	srv, _ := newFake(t, licensespringtest.Options{RedirectURLs: []string{"http://127.0.0.1/a", "http://127.0.0.1/b"}}, licensespring.ResponseTypeCode)
	cfg := srv.Config()
	cfg.RedirectURL = "http://127.0.0.1/b"
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	ar, err := p.ActivationURL(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1/b", ar.RedirectURL)

	cfg.RedirectURL = "http://127.0.0.1/c"
	p, err = licensespring.New(cfg)
	require.NoError(t, err)
	_, err = p.SSOURL(context.Background())
	require.ErrorIs(t, err, licensespring.ErrValidation)
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	require.False(t, strings.Contains(u.RawQuery, "#"))
	return u.Query()
}
