package openid_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// webApp is package web's handler over an openid Provider, against a fake.
type webApp struct {
	fake *openidtest.Server
	app  *httptest.Server
	jar  http.CookieJar
}

func newWebApp(t *testing.T) *webApp { return newWebAppWith(t, openidtest.Options{}) }

// newWebAppWith is newWebApp with the fake's options (its Apps replaced),
// and the provider's Config changed by mod. Its /api calls the fake's
// resource endpoint through web's per-user client.
func newWebAppWith(t *testing.T, opts openidtest.Options, mod ...func(*openid.Config)) *webApp {
	var h http.Handler
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(app.Close)
	opts.Apps = []openidtest.App{{ID: "client", RedirectURLs: []string{app.URL + "/auth/openid/callback"}}}
	fake := openidtest.NewServer(opts)
	t.Cleanup(fake.Close)
	cfg := fake.Config("client")
	for _, m := range mod {
		m(&cfg)
	}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	key := make([]byte, 32)
	rand.Read(key)
	wh, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{key}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/auth/", wh)
	mux.Handle("/api", wh.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := wh.Client(r, fake.Client().Transport).Get(fake.ResourceURL())
		if err != nil {
			http.Error(w, "resource: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})))
	mux.Handle("/", wh.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+web.SessionFrom(r).Subject)
	})))
	h = mux
	jar, _ := cookiejar.New(nil)
	return &webApp{fake: fake, app: app, jar: jar}
}

func (a *webApp) do(t *testing.T, method, u string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := &http.Client{Jar: a.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// login runs a browser's login and returns the status of the page after.
func (a *webApp) login(t *testing.T) {
	t.Helper()
	resp := a.do(t, http.MethodGet, a.app.URL+"/auth/openid/login?return_to=/", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode, "login redirects to the provider")
	cb, err := a.fake.Authorize(context.Background(), resp.Header.Get("Location"))
	require.NoError(t, err)
	resp = a.do(t, http.MethodGet, cb.String(), nil)
	require.Less(t, resp.StatusCode, 400, "callback")
	require.True(t, a.loggedIn(t))
}

func (a *webApp) loggedIn(t *testing.T) bool {
	return a.do(t, http.MethodGet, a.app.URL+"/", nil).StatusCode == http.StatusOK
}

// TestWebLoginBackchannelLogoutAndRevocation: package web logs in through
// an openid Provider unchanged, ends the session on a back-channel logout
// token, and revokes at logout (RFC 7009).
func TestWebLoginBackchannelLogoutAndRevocation(t *testing.T) {
	a := newWebApp(t)
	a.login(t)
	err := a.fake.BackchannelLogout(context.Background(), a.app.URL+"/auth/openid/backchannel-logout", a.fake.LogoutToken("client", "user-1", ""))
	require.NoError(t, err)
	assert.False(t, a.loggedIn(t), "the back-channel logout ended the session")

	a.login(t)
	before := a.fake.Requests(openidtest.EndpointRevoke)
	resp := a.do(t, http.MethodPost, a.app.URL+"/auth/logout", http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {a.app.URL}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, before+1, a.fake.Requests(openidtest.EndpointRevoke), "logout revoked the refresh token")
	assert.False(t, a.loggedIn(t))
}

// TestWebLoginWithPAR: package web logs in unchanged through a server that
// requires pushed authorization requests: the browser is sent to a URL
// with only client_id and request_uri.
func TestWebLoginWithPAR(t *testing.T) {
	a := newWebAppWith(t, openidtest.Options{RequirePAR: true})
	resp := a.do(t, http.MethodGet, a.app.URL+"/auth/openid/login?return_to=/", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"client_id", "request_uri"}, keys(loc.Query()))
	a.jar, _ = cookiejar.New(nil)
	a.login(t)
	assert.Equal(t, 2, a.fake.Requests(openidtest.EndpointPAR))
}

// TestWebClientSendsDPoP: with Config.DPoP, package web's per-user client
// sends the session's DPoP-bound token with a proof (and the resource
// server's nonce), which the fake's resource endpoint accepts; the same
// call as a Bearer token would be refused.
func TestWebClientSendsDPoP(t *testing.T) {
	a := newWebAppWith(t, openidtest.Options{}, func(c *openid.Config) { c.DPoP = &openid.DPoP{} })
	a.login(t)
	resp := a.do(t, http.MethodGet, a.app.URL+"/api", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the resource accepted the DPoP-bound token and its proof")
}
