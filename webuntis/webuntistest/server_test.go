package webuntistest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// authorizeURL is an authorize request for the fake's first tenant, with
// the parameters docs/vendors/webuntis.md#authorization-code lists.
func authorizeURL(srv *webuntistest.Server, change func(url.Values)) string {
	t := srv.Tenant()
	q := url.Values{
		"response_type": {"code"}, "client_id": {t.ClientID}, "redirect_uri": {t.RedirectURLs[0]},
		"scope": {"openid roster-core.readonly"}, "state": {"st"}, "nonce": {"n-1"},
	}
	if change != nil {
		change(q)
	}
	return srv.Issuer() + "/authorize?" + q.Encode()
}

// exchange redeems the callback's code and returns the token response.
func exchange(t *testing.T, srv *webuntistest.Server, cb *url.URL, verifier string) map[string]any {
	t.Helper()
	tn := srv.Tenant()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {tn.RedirectURLs[0]},
		"client_id": {tn.ClientID}, "client_secret": {tn.ClientSecret}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	resp, err := srv.Client().PostForm(srv.Issuer()+"/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body map[string]any
	require.NoError(t, json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body))
	return body
}

// TestFakeRequiresNonce: WebUntis' authorize request carries a nonce
// (docs/vendors/webuntis.md#authorization-code); a client that forgets it
// is sent back with an error, not a code.
func TestFakeRequiresNonce(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	cb, err := srv.Authorize(context.Background(), authorizeURL(srv, func(q url.Values) { q.Del("nonce") }))
	require.NoError(t, err)
	assert.Equal(t, "invalid_request", cb.Query().Get("error"))
	assert.Equal(t, "st", cb.Query().Get("state"))
	assert.False(t, cb.Query().Has("code"), "no code without a nonce")
}

// TestFakeIDTokenCarriesNonce: the ID token names the nonce of its
// authorize request.
func TestFakeIDTokenCarriesNonce(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	cb, err := srv.Authorize(context.Background(), authorizeURL(srv, nil))
	require.NoError(t, err)
	body := exchange(t, srv, cb, "")
	raw, _ := body["id_token"].(string)
	require.NotEmpty(t, raw)
	v := oidc.NewVerifier(srv.Issuer(), &oidc.StaticKeySet{}, &oidc.Config{SkipClientIDCheck: true, InsecureSkipSignatureCheck: true})
	tok, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	assert.Equal(t, "n-1", tok.Nonce)
}

// TestFakeRefusesPlainPKCE: the fake's discovery document offers S256
// only, so a plain challenge (or one with no method, which means plain) is
// refused.
func TestFakeRefusesPlainPKCE(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	verifier := oauth2.GenerateVerifier()
	for _, method := range []string{"plain", ""} {
		cb, err := srv.Authorize(context.Background(), authorizeURL(srv, func(q url.Values) {
			q.Set("code_challenge", verifier)
			if method != "" {
				q.Set("code_challenge_method", method)
			}
		}))
		require.NoError(t, err)
		assert.Equal(t, "invalid_request", cb.Query().Get("error"), "method %q", method)
	}
	cb, err := srv.Authorize(context.Background(), authorizeURL(srv, func(q url.Values) {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		q.Set("code_challenge_method", "S256")
	}))
	require.NoError(t, err)
	require.True(t, cb.Query().Has("code"), "S256 is accepted: %s", cb.Query().Get("error"))
	exchange(t, srv, cb, verifier)
}

// TestFakeRefusesOtherRedirectURI: redirect_uri matches PAM exactly, or
// the answer is invalid_ressource (docs/vendors/webuntis.md#redirect-uri).
func TestFakeRefusesOtherRedirectURI(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	for _, ru := range []string{"http://127.0.0.1/callback/", "http://127.0.0.1/callback?x=1", "http://127.0.0.1/Callback"} {
		resp, err := srv.Client().Get(authorizeURL(srv, func(q url.Values) { q.Set("redirect_uri", ru) }))
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, ru)
		assert.Contains(t, string(b), "invalid_ressource", ru)
	}
}

// TestLoginPageIssuesOnlyOnPost: with Options.LoginPage, authorize answers
// the sign-in page and issues the code only for its form post; without it,
// a POST to authorize issues nothing.
func TestLoginPageIssuesOnlyOnPost(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{LoginPage: true})
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-1", Claims: map[string]any{"name": "Grace Hopper"}})
	resp, err := srv.Client().Get(authorizeURL(srv, nil))
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Sign in to WebUntis (fake)")
	assert.Contains(t, string(page), "Grace Hopper")

	resp, err = srv.Client().PostForm(authorizeURL(srv, nil), url.Values{"other": {"x"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "a POST that is not the sign-in form")

	cb, err := srv.Authorize(context.Background(), authorizeURL(srv, nil))
	require.NoError(t, err)
	assert.True(t, cb.Query().Has("code"), "Authorize signs in on the page")
	assert.Equal(t, "st", cb.Query().Get("state"))

	plain := webuntistest.NewServer(webuntistest.Options{})
	defer plain.Close()
	resp, err = plain.Client().PostForm(authorizeURL(plain, nil), url.Values{"fake_login": {"sign-in"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "no login page, no POST")
}
