package justimmotest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
)

const invalidRequest = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newServer(t *testing.T) (*justimmotest.Server, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)}
	srv := justimmotest.NewServer(justimmotest.Options{Now: c.Now})
	t.Cleanup(srv.Close)
	return srv, c
}

// post sends form to the token endpoint and returns the status and the raw
// body.
func post(t *testing.T, srv *justimmotest.Server, form url.Values, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.AuthURL+"/access_token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func code(t *testing.T, srv *justimmotest.Server) string {
	t.Helper()
	c := srv.App()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.RedirectURLs[0]}}
	cb, err := srv.Authorize(context.Background(), srv.AuthURL+"/authorize?"+q.Encode())
	require.NoError(t, err)
	assert.False(t, cb.Query().Has("state"), "no state sent, none returned")
	return cb.Query().Get("code")
}

// formOf is a form to extend per request.
type formOf url.Values

func (f formOf) with(kv ...string) url.Values {
	v := url.Values{}
	for k, vs := range f {
		v[k] = vs
	}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestDocumentedAnswers(t *testing.T) {
	srv, clk := newServer(t)
	c := srv.App()
	creds := formOf{"client_id": {c.ID}, "client_secret": {c.Secret}}

	// Authorization code grant, as in
	// docs/vendors/justimmo.md#authorization-code (plus the redirect_uri
	// league requires when the authorization request carried one).
	status, body := post(t, srv, creds.with("grant_type", "authorization_code", "code", code(t, srv), "redirect_uri", c.RedirectURLs[0]), nil)
	require.Equal(t, 200, status, body)
	var tok map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	assert.Equal(t, "Bearer", tok["token_type"])
	assert.EqualValues(t, 86400, tok["expires_in"])
	assert.NotEmpty(t, tok["access_token"])
	assert.NotEmpty(t, tok["refresh_token"])

	// An expired code: the documented body, verbatim.
	expiring := code(t, srv)
	clk.Advance(time.Minute + time.Second)
	status, body = post(t, srv, creds.with("grant_type", "authorization_code", "code", expiring, "redirect_uri", c.RedirectURLs[0]), nil)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"invalid_request","message":"`+invalidRequest+`","hint":"Authorization code has expired"}`, body)

	// Refresh grant, then an expired refresh token, verbatim.
	status, body = post(t, srv, creds.with("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string)), nil)
	require.Equal(t, 200, status, body)
	var next map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &next))
	assert.EqualValues(t, 86400, next["expires_in"])
	clk.Advance(32 * 24 * time.Hour)
	status, body = post(t, srv, creds.with("grant_type", "refresh_token", "refresh_token", next["refresh_token"].(string)), nil)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"invalid_request","message":"`+invalidRequest+`","hint":"Refresh token has expired"}`, body)

	// Client credentials, and a bad client, verbatim.
	status, body = post(t, srv, creds.with("grant_type", "client_credentials"), nil)
	require.Equal(t, 200, status, body)
	var cc map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &cc))
	assert.EqualValues(t, 2678400, cc["expires_in"])
	assert.NotContains(t, cc, "refresh_token")
	status, body = post(t, srv, formOf{"client_id": {c.ID}, "client_secret": {"wrong"}}.with("grant_type", "client_credentials"), nil)
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"error":"invalid_client","message":"Client authentication failed"}`, body)
}

func TestRefreshTokenLivesOneMonth(t *testing.T) {
	srv, clk := newServer(t)
	c := srv.App()
	creds := formOf{"client_id": {c.ID}, "client_secret": {c.Secret}}
	_, body := post(t, srv, creds.with("grant_type", "authorization_code", "code", code(t, srv), "redirect_uri", c.RedirectURLs[0]), nil)
	var tok map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	clk.Advance(27 * 24 * time.Hour) // February 2026 has 28 days: one month is 28 days here
	assert.Equal(t, "live", srv.RefreshTokenState(tok["refresh_token"].(string)))
	clk.Advance(24 * time.Hour)
	assert.Equal(t, "expired", srv.RefreshTokenState(tok["refresh_token"].(string)))
}

func TestBasicInsteadOfBody(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	basic := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(c.ID+":"+c.Secret))}}
	status, body := post(t, srv, url.Values{"grant_type": {"client_credentials"}}, basic)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"invalid_request","message":"`+invalidRequest+"\",\"hint\":\"Check the `client_id` parameter\"}", body)
}

func TestQueryStringIgnored(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {c.Secret}}
	req, _ := http.NewRequest(http.MethodPost, srv.AuthURL+"/access_token?"+q.Encode(), strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(b), `"unsupported_grant_type"`)
}

func TestNoPasswordGrant(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	status, body := post(t, srv, url.Values{"grant_type": {"password"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "username": {"u"}, "password": {"p"}}, nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, `"unsupported_grant_type"`)
}

func TestDeniedRedirect(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.RedirectURLs[0]}}
	cb, err := srv.Deny(context.Background(), srv.AuthURL+"/authorize?"+q.Encode())
	require.NoError(t, err)
	assert.Equal(t, c.RedirectURLs[0], cb.Scheme+"://"+cb.Host+cb.Path)
	// The vendor's example (docs/vendors/justimmo.md#authorization-code):
	// redirect_uri?error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request
	assert.Equal(t, url.Values{
		"error":   {"access_denied"},
		"message": {"The resource owner or authorization server denied the request."},
		"hint":    {"The user denied the request"},
	}, cb.Query())
}

func TestCurrentUserOnTheAPIHost(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	_, body := post(t, srv, formOf{"client_id": {c.ID}, "client_secret": {c.Secret}}.with("grant_type", "authorization_code", "code", code(t, srv), "redirect_uri", c.RedirectURLs[0]), nil)
	var tok map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &tok))

	get := func(base string, bearer string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/oauth/user/current", nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get(srv.APIURL, tok["access_token"].(string))
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"id":1234,"tenant":{"id":5678}}`, body)

	status, _ = get(srv.AuthURL, tok["access_token"].(string))
	assert.Equal(t, 404, status, "not on the auth host")
	status, body = get(srv.APIURL, "")
	assert.Equal(t, 401, status)
	assert.Contains(t, body, `"access_denied"`)
	assert.Equal(t, 2, srv.Requests(justimmotest.EndpointCurrentUser))
}

func TestRedirectURIRequiredAtExchange(t *testing.T) {
	srv, _ := newServer(t)
	c := srv.App()
	creds := formOf{"client_id": {c.ID}, "client_secret": {c.Secret}}
	status, body := post(t, srv, creds.with("grant_type", "authorization_code", "code", code(t, srv)), nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "Check the `redirect_uri` parameter")
	status, body = post(t, srv, creds.with("grant_type", "authorization_code", "code", code(t, srv), "redirect_uri", "https://other.example/cb"), nil)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "Invalid redirect URI")
}

// TestLoginPageIssuesOnlyOnPost: with Options.LoginPage, authorize answers
// the sign-in page and issues the code only for its form post.
func TestLoginPageIssuesOnlyOnPost(t *testing.T) {
	srv := justimmotest.NewServer(justimmotest.Options{LoginPage: true})
	defer srv.Close()
	srv.SetUser(justimmotest.User{ID: 77, TenantID: 5678})
	c := srv.App()
	authURL := srv.AuthURL + "/authorize?" + url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {c.RedirectURLs[0]}}.Encode()
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Sign in to Justimmo (fake)")
	assert.Contains(t, string(page), `<dd id="fake-login-subject">77</dd>`, "the user id, which the current-user endpoint will name")

	resp, err = srv.Client().PostForm(authURL, url.Values{"other": {"x"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "a POST that is not the sign-in form")

	cb, err := srv.Authorize(context.Background(), authURL)
	require.NoError(t, err)
	assert.True(t, cb.Query().Has("code"), "Authorize signs in on the page")
}
