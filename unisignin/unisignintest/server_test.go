package unisignintest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, srv *unisignintest.Server, method, path string, query, form url.Values, header http.Header) answer {
	t.Helper()
	u := srv.URL + path
	if query != nil {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &a.body)
	return a
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func authorizeQuery(clientID, redirect, challenge string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "scope": {"public"}, "state": {"st"}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "plain")
	}
	return q
}

func TestPKCEChallengeRule(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	app := srv.PublicConfig()
	s256 := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	for _, tt := range []struct {
		name      string
		challenge string
		ok        bool
	}{
		{"48 letters", strings.Repeat("a", 48), false},
		{"49 letters", strings.Repeat("a", 49), true},
		{"127 mixed", strings.Repeat("aZ9", 42) + "x", true},
		{"128 letters", strings.Repeat("a", 128), false},
		{"with a dash", strings.Repeat("a", 60) + "-", false},
		{"with a tilde", strings.Repeat("a", 60) + "~", false},
		{"x/oauth2 verifier", oauth2.GenerateVerifier(), false},
		{"S256 challenge", s256, false},
		{"none, public client", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, srv, http.MethodGet, "/oauth/v2/authorize", authorizeQuery(app.ClientID, app.RedirectURL, tt.challenge), nil, nil)
			if tt.ok {
				require.Equal(t, http.StatusFound, a.status)
				loc, _ := url.Parse(a.header.Get("Location"))
				assert.NotEmpty(t, loc.Query().Get("code"))
				assert.Equal(t, "st", loc.Query().Get("state"))
				return
			}
			assert.Equal(t, http.StatusBadRequest, a.status)
			assert.Equal(t, "invalid_request", a.body["error"])
			assert.Regexp(t, "(?i)code.challenge", a.body["hint"])
		})
	}
}

// login runs the app flow up to the code, with verifier as challenge.
func login(t *testing.T, srv *unisignintest.Server, verifier string) string {
	t.Helper()
	app := srv.PublicConfig()
	a := do(t, srv, http.MethodGet, "/oauth/v2/authorize", authorizeQuery(app.ClientID, app.RedirectURL, verifier), nil, nil)
	require.Equal(t, http.StatusFound, a.status, "%v", a.body)
	loc, _ := url.Parse(a.header.Get("Location"))
	return loc.Query().Get("code")
}

func TestTokenEndpointReadsTheFormBodyOnly(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	app := srv.PublicConfig()
	verifier := strings.Repeat("Ab1", 20)
	form := url.Values{
		"grant_type": {"authorization_code"}, "client_id": {app.ClientID}, "code": {login(t, srv, verifier)},
		"redirect_uri": {app.RedirectURL}, "code_verifier": {verifier},
	}

	// Everything in the query string: league sees no grant_type.
	a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", form, url.Values{}, nil)
	assert.Equal(t, 400, a.status)
	assert.Equal(t, "unsupported_grant_type", a.body["error"])

	// A JSON body is not parsed either.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/v2/access_token", strings.NewReader(`{"grant_type":"authorization_code"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)

	// GET is not the token endpoint's method.
	a = do(t, srv, http.MethodGet, "/oauth/v2/access_token", form, nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)

	// The body works, once.
	a = do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form, nil)
	require.Equal(t, 200, a.status, "%v", a.body)
	assert.Equal(t, "Bearer", a.body["token_type"])
	assert.EqualValues(t, 3599, a.body["expires_in"])
	assert.NotEmpty(t, a.body["refresh_token"])
	a = do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form, nil)
	assert.Equal(t, "invalid_grant", a.body["error"])
	assert.Equal(t, "Authorization code has been revoked", a.body["hint"])
}

func TestVerifierChecks(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	app := srv.PublicConfig()
	verifier := strings.Repeat("Xy7", 20)
	for _, tt := range []struct {
		name, sent, hint, code string
	}{
		{"missing", "", "Check the `code_verifier` parameter", "invalid_request"},
		{"not RFC 7636", "short", "Code Verifier must follow the specifications of RFC-7636.", "invalid_request"},
		{"RFC 7636 but not UniSignIn", strings.Repeat("a", 50) + "-_", "Check the `code_verifier` parameter: it only contains letters and numbers, and the length of it must be more than 48 and less than 128", "invalid_request"},
		{"another verifier", strings.Repeat("Q", 60), "Failed to verify `code_verifier`.", "invalid_grant"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {app.ClientID}, "code": {login(t, srv, verifier)}, "redirect_uri": {app.RedirectURL}}
			if tt.sent != "" {
				form.Set("code_verifier", tt.sent)
			}
			a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form, nil)
			assert.Equal(t, 400, a.status)
			assert.Equal(t, tt.code, a.body["error"])
			assert.Equal(t, tt.hint, a.body["hint"])
		})
	}
}

func TestClientAuthentication(t *testing.T) {
	secret := "p+ss/w=rd:&%"
	srv := unisignintest.NewServer(unisignintest.Options{App: unisignintest.App{ID: "web", Secret: secret, RedirectURLs: []string{"https://app.example/cb"}}})
	defer srv.Close()
	user := srv.Users()[0]
	form := url.Values{"grant_type": {"password"}, "username": {user.Email}, "password": {user.Password}, "scope": {"public"}}
	basic := func(id, pw string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+pw))}}
	}

	withBody := url.Values{"client_id": {"web"}, "client_secret": {secret}}
	for k, v := range form {
		withBody[k] = v
	}
	a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, withBody, nil)
	assert.Equal(t, 200, a.status, "body credentials: %v", a.body)

	// docs/vendors/unisignin.md#client-authentication: the credentials go
	// in the form body; sent as Basic, raw or escaped, they are not read.
	for _, h := range []http.Header{basic("web", secret), basic(url.QueryEscape("web"), url.QueryEscape(secret))} {
		a = do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form, h)
		assert.Equal(t, 400, a.status, "Basic instead of the body: %v", a.body["hint"])
		assert.Equal(t, "Check the `client_id` parameter", a.body["hint"])
	}

	a = do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form, nil)
	assert.Equal(t, 400, a.status)
	assert.Equal(t, "Check the `client_id` parameter", a.body["hint"])

	// No client-credentials grant (docs/vendors/unisignin.md#not-offered).
	a = do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, url.Values{"grant_type": {"client_credentials"}, "client_id": {"web"}, "client_secret": {secret}}, nil)
	assert.Equal(t, "unsupported_grant_type", a.body["error"])
}

func TestErrorBodiesByVersion(t *testing.T) {
	for v, want := range map[int][]string{
		7: {"error", "hint", "message"},
		8: {"error", "error_description", "hint", "message"},
		9: {"error", "error_description", "hint"},
	} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			srv := unisignintest.NewServer(unisignintest.Options{LeagueVersion: v})
			defer srv.Close()
			a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, url.Values{"grant_type": {"refresh_token"}, "client_id": {"oauthkit-app"}, "refresh_token": {"nope"}}, nil)
			assert.Equal(t, want, keys(a.body))
			assert.Equal(t, "Cannot decrypt the refresh token", a.body["hint"])
			if v == 7 {
				assert.Equal(t, 401, a.status)
				assert.Equal(t, "invalid_request", a.body["error"])
			} else {
				assert.Equal(t, 400, a.status)
				assert.Equal(t, "invalid_grant", a.body["error"])
			}
		})
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	web := srv.Config()
	for _, tt := range []struct {
		name   string
		change func(url.Values)
		status int
		errKey string
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, 401, "invalid_client"},
		{"unlisted redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, 401, "invalid_client"},
		{"token response type", func(q url.Values) { q.Set("response_type", "token") }, 400, "unsupported_grant_type"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "admin") }, 302, "invalid_scope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := authorizeQuery(web.ClientID, web.RedirectURL, "")
			tt.change(q)
			a := do(t, srv, http.MethodGet, "/oauth/v2/authorize", q, nil, nil)
			assert.Equal(t, tt.status, a.status)
			if tt.status == 302 {
				loc, _ := url.Parse(a.header.Get("Location"))
				assert.Equal(t, tt.errKey, loc.Query().Get("error"))
				assert.Equal(t, "st", loc.Query().Get("state"))
				return
			}
			assert.Equal(t, tt.errKey, a.body["error"])
		})
	}
}

func TestUserEndpoint(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{Users: []unisignintest.User{{ID: 5, Email: "e@x.io", Password: "pw-12345", FirstName: "E", Extra: map[string]any{"locale": "de"}}}})
	defer srv.Close()
	app := srv.PublicConfig()
	a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, url.Values{"grant_type": {"password"}, "client_id": {app.ClientID}, "username": {"E@X.io"}, "password": {"pw-12345"}}, nil)
	require.Equal(t, 200, a.status, "%v", a.body)
	bearer := http.Header{"Authorization": {"Bearer " + a.body["access_token"].(string)}}

	u := do(t, srv, http.MethodGet, "/oauth/v2/user", url.Values{"client_id": {app.ClientID}}, nil, bearer)
	require.Equal(t, 200, u.status)
	assert.EqualValues(t, 5, u.body["id"])
	assert.Equal(t, "de", u.body["locale"])
	assert.Equal(t, "E", u.body["name"])

	u = do(t, srv, http.MethodGet, "/oauth/v2/user", nil, nil, bearer)
	assert.Equal(t, 400, u.status, "client_id is required")
	u = do(t, srv, http.MethodGet, "/oauth/v2/user", url.Values{"client_id": {"oauthkit-web"}}, nil, bearer)
	assert.Equal(t, 400, u.status, "another client's token")
	u = do(t, srv, http.MethodGet, "/oauth/v2/user", url.Values{"client_id": {app.ClientID}}, nil, nil)
	assert.Equal(t, 401, u.status)
	assert.Equal(t, "Unauthenticated.", u.body["message"])
	assert.Equal(t, 4, srv.Requests(unisignintest.EndpointUser))
}

func TestFaultsAndNoSession(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	web := srv.Config()
	srv.InjectFault(unisignintest.EndpointAuthorize, oauthkittest.Fault{Status: 500, Body: "<h1>oops</h1>", Times: 1})
	q := authorizeQuery(web.ClientID, web.RedirectURL, "")
	_, err := srv.Authorize(context.Background(), srv.URL+"/oauth/v2/authorize?"+q.Encode())
	require.Error(t, err)
	cb, err := srv.Authorize(context.Background(), srv.URL+"/oauth/v2/authorize?"+q.Encode())
	require.NoError(t, err)
	assert.NotEmpty(t, cb.Query().Get("code"))

	srv.SetUser(unisignintest.User{})
	_, err = srv.Authorize(context.Background(), srv.URL+"/oauth/v2/authorize?"+q.Encode())
	require.ErrorContains(t, err, "not a redirect")
	assert.Equal(t, 3, srv.Requests(unisignintest.EndpointAuthorize))
}

// TestFakeRefusesBasicClientAuthentication: UniSignIn's client credentials
// go in the form body (docs/vendors/unisignin.md#client-authentication); a
// client that sends them as Basic, raw or escaped, is refused as one that
// sent no client_id.
func TestFakeRefusesBasicClientAuthentication(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	app, user := srv.App(), srv.Users()[0]
	form := url.Values{"grant_type": {"password"}, "username": {user.Email}, "password": {user.Password}, "scope": {"public"}}
	for _, creds := range []string{app.ID + ":" + app.Secret, url.QueryEscape(app.ID) + ":" + url.QueryEscape(app.Secret)} {
		a := do(t, srv, http.MethodPost, "/oauth/v2/access_token", nil, form,
			http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(creds))}})
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, "invalid_request", a.body["error"])
		assert.Equal(t, "Check the `client_id` parameter", a.body["hint"])
		assert.Empty(t, a.body["access_token"], "no token for Basic credentials")
	}
}

// TestLoginPageIssuesOnlyOnPost: with Options.LoginPage, authorize answers
// the sign-in page and issues the code only for its form post.
func TestLoginPageIssuesOnlyOnPost(t *testing.T) {
	srv := unisignintest.NewServer(unisignintest.Options{LoginPage: true})
	defer srv.Close()
	app := srv.App()
	q := authorizeQuery(app.ID, app.RedirectURLs[0], "")
	c := *srv.Client()
	resp, err := c.Get(srv.URL + "/oauth/v2/authorize?" + q.Encode())
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Sign in to UniSignIn (fake)")
	assert.Contains(t, string(page), "Ada Lovelace")

	a := do(t, srv, http.MethodPost, "/oauth/v2/authorize", q, url.Values{"other": {"x"}}, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, a.status, "a POST that is not the sign-in form")

	cb, err := srv.Authorize(context.Background(), srv.URL+"/oauth/v2/authorize?"+q.Encode())
	require.NoError(t, err)
	assert.True(t, cb.Query().Has("code"), "Authorize signs in on the page")
	cb, err = srv.Deny(context.Background(), srv.URL+"/oauth/v2/authorize?"+q.Encode())
	require.NoError(t, err)
	assert.Equal(t, "access_denied", cb.Query().Get("error"), "Deny declines after the page")
}
