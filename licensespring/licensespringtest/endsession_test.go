package licensespringtest

import (
	"context"
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

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

// appCallback is the callback of a web handler on port 5555, and appHome
// the page its logout returns to by default.
const (
	appCallback = "http://127.0.0.1:5555/auth/licensespring/callback"
	appHome     = "http://127.0.0.1:5555/"
)

// clock is a settable clock for the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loginTokens are what a code-grant login at the realm returned.
type loginTokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	SessionState string `json:"session_state"`
}

// authorizeCode plays the browser to the realm's authorization endpoint and
// returns the code and session_state of the login.
func authorizeCode(t *testing.T, srv *Server) (code, sessionState string) {
	t.Helper()
	q := url.Values{"client_id": {srv.Options().ClientID}, "redirect_uri": {appCallback}, "response_type": {"code"}, "scope": {"openid"}, "state": {"st"}}
	cb, err := srv.Authorize(context.Background(), srv.Issuer()+"/protocol/openid-connect/auth?"+q.Encode())
	require.NoError(t, err)
	require.NotEmpty(t, cb.Query().Get("code"))
	return cb.Query().Get("code"), cb.Query().Get("session_state")
}

// tokenRequest posts form to the realm's token endpoint.
func tokenRequest(t *testing.T, srv *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("client_id", srv.Options().ClientID)
	resp, err := srv.Client().PostForm(srv.Issuer()+"/protocol/openid-connect/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

// login signs the user in with the code grant and returns the tokens.
func login(t *testing.T, srv *Server) loginTokens {
	t.Helper()
	code, _ := authorizeCode(t, srv)
	status, body := tokenRequest(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}})
	require.Equal(t, http.StatusOK, status, body["error_description"])
	b, err := json.Marshal(body)
	require.NoError(t, err)
	var lt loginTokens
	require.NoError(t, json.Unmarshal(b, &lt))
	require.NotEmpty(t, lt.IDToken)
	return lt
}

// noRedirects is the fake's client, without following redirects.
func noRedirects(srv *Server) *http.Client {
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// logoutAnswer is what the end-session endpoint answered.
type logoutAnswer struct {
	status   int
	location string
	body     string
}

func endSession(t *testing.T, srv *Server, method string, p url.Values) logoutAnswer {
	t.Helper()
	u := srv.Issuer() + "/protocol/openid-connect/logout"
	var req *http.Request
	var err error
	if method == http.MethodPost {
		req, err = http.NewRequest(method, u, strings.NewReader(p.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, err = http.NewRequest(method, u+"?"+p.Encode(), nil)
		require.NoError(t, err)
	}
	resp, err := noRedirects(srv).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	require.NoError(t, err)
	return logoutAnswer{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

// idClaims are the claims of an ID token of the realm for the session sid.
func idClaims(srv *Server, sid string) map[string]any {
	return map[string]any{
		"iss": srv.Issuer(), "aud": srv.Options().ClientID, "azp": srv.Options().ClientID, "typ": "ID",
		"sub": "license-user-1", "sid": sid, "session_state": sid,
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(),
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

// TestEndSessionRules drives each of the end-session endpoint's rules with
// a fresh login: the answer (redirect, page or Keycloak's error page),
// whether the session ended, and that no answer repeats the ID token.
func TestEndSessionRules(t *testing.T) {
	foreign := fakeidp.NewKey(fakeidp.SharedKey().ID)
	const (
		loggedOut   = "You are logged out"
		badHint     = "Invalid parameter: id_token_hint"
		badRedirect = "Invalid redirect uri"
	)
	tests := []struct {
		name   string
		opts   Options
		method string
		// params builds the request from the login's ID token.
		params func(t *testing.T, srv *Server, lt loginTokens) url.Values
		// advance moves the clock before the logout.
		advance  time.Duration
		status   int
		location string // the redirect's Location
		page     string // a text the page holds
		ends     bool   // the login's session ends
	}{
		{
			name: "hint, post-logout URI and state",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appHome}, "state": {"st-1"}}
			},
			status:   http.StatusFound,
			location: appHome + "?state=st-1",
			ends:     true,
		},
		{
			name:   "POST form",
			method: http.MethodPost,
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appHome}, "state": {"st-2"}}
			},
			status:   http.StatusFound,
			location: appHome + "?state=st-2",
			ends:     true,
		},
		{
			name: "no state: none added",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appHome}}
			},
			status:   http.StatusFound,
			location: appHome,
			ends:     true,
		},
		{
			name: "hint only: the logged-out page",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}}
			},
			status: http.StatusOK,
			page:   loggedOut,
			ends:   true,
		},
		{
			name: "expired hint is accepted",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appHome}}
			},
			advance:  time.Hour,
			status:   http.StatusFound,
			location: appHome,
			ends:     true,
		},
		{
			name: "client_id agreeing with the hint",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "client_id": {srv.Options().ClientID}, "post_logout_redirect_uri": {appHome}}
			},
			status:   http.StatusFound,
			location: appHome,
			ends:     true,
		},
		{
			name: "a redirect URL is a post-logout URI too (Keycloak's +)",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appCallback}}
			},
			status:   http.StatusFound,
			location: appCallback,
			ends:     true,
		},
		{
			name: "post-logout URI with a query keeps it",
			opts: Options{PostLogoutRedirectURLs: []string{"https://app.example/bye?lang=de"}},
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {"https://app.example/bye?lang=de"}, "state": {"s"}}
			},
			status:   http.StatusFound,
			location: "https://app.example/bye?lang=de&state=s",
			ends:     true,
		},
		{
			name: "post-logout URI without hint or client_id",
			params: func(t *testing.T, _ *Server, _ loginTokens) url.Values {
				return url.Values{"post_logout_redirect_uri": {appHome}}
			},
			status: http.StatusBadRequest,
			page:   "Missing parameter: id_token_hint",
		},
		{
			name: "legacy redirect_uri",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "redirect_uri": {appHome}}
			},
			status: http.StatusBadRequest,
			page:   "Invalid parameter: redirect_uri",
		},
		{
			name: "hint not a JWT",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {"not-a-token"}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "hint signed by another key",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				_, c := jwtParts(t, lt.IDToken)
				return url.Values{"id_token_hint": {foreign.Sign(c)}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "hint of another realm",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				_, c := jwtParts(t, lt.IDToken)
				return url.Values{"id_token_hint": {srv.SignIDToken(with(c, "iss", srv.URL+"/realms/another-realm"))}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "hint for another client",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				_, c := jwtParts(t, lt.IDToken)
				return url.Values{"id_token_hint": {srv.SignIDToken(with(c, "aud", "another-client", "azp", "another-client"))}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "a logout token is not an ID token",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				_, c := jwtParts(t, lt.IDToken)
				return url.Values{"id_token_hint": {srv.LogoutToken("license-user-1", c["sid"].(string))}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "unknown client_id",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "client_id": {"another-client"}}
			},
			status: http.StatusBadRequest,
			page:   "Invalid parameter: client_id",
		},
		{
			name: "client_id other than the hint's azp",
			params: func(t *testing.T, srv *Server, lt loginTokens) url.Values {
				_, c := jwtParts(t, lt.IDToken)
				return url.Values{"id_token_hint": {srv.SignIDToken(with(c, "aud", []string{"license-users", "portal"}, "azp", "portal"))}, "client_id": {"license-users"}}
			},
			status: http.StatusBadRequest,
			page:   badHint,
		},
		{
			name: "post-logout URI not registered",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {"https://evil.example/"}}
			},
			status: http.StatusBadRequest,
			page:   badRedirect,
		},
		{
			name: "post-logout URI: another path of the app",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {"http://127.0.0.1:5555/elsewhere"}}
			},
			status: http.StatusBadRequest,
			page:   badRedirect,
		},
		{
			name: "post-logout URI: localhost is not 127.0.0.1",
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {"http://localhost:5555/"}}
			},
			status: http.StatusBadRequest,
			page:   badRedirect,
		},
		{
			name: "explicit post-logout URIs replace the default",
			opts: Options{PostLogoutRedirectURLs: []string{"https://app.example/bye"}},
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appHome}}
			},
			status: http.StatusBadRequest,
			page:   badRedirect,
		},
		{
			name: "explicit post-logout URIs without +: the callback is refused",
			opts: Options{PostLogoutRedirectURLs: []string{"https://app.example/bye"}},
			params: func(t *testing.T, _ *Server, lt loginTokens) url.Values {
				return url.Values{"id_token_hint": {lt.IDToken}, "post_logout_redirect_uri": {appCallback}}
			},
			status: http.StatusBadRequest,
			page:   badRedirect,
		},
		{
			name: "no hint: Keycloak asks first",
			params: func(t *testing.T, srv *Server, _ loginTokens) url.Values {
				return url.Values{"client_id": {srv.Options().ClientID}, "post_logout_redirect_uri": {appHome}, "state": {"st-3"}}
			},
			status: http.StatusOK,
			page:   "Do you want to log out?",
		},
		{
			name:   "no hint, confirmed: the browser's sessions end",
			method: http.MethodPost,
			params: func(t *testing.T, srv *Server, _ loginTokens) url.Values {
				return url.Values{"client_id": {srv.Options().ClientID}, "post_logout_redirect_uri": {appHome}, "state": {"st-4"}, "confirm_logout": {"yes"}}
			},
			status:   http.StatusFound,
			location: appHome + "?state=st-4",
			ends:     true,
		},
		{
			name: "no hint, confirmation in a GET is not one",
			params: func(t *testing.T, srv *Server, _ loginTokens) url.Values {
				return url.Values{"client_id": {srv.Options().ClientID}, "confirm_logout": {"yes"}}
			},
			status: http.StatusOK,
			page:   "Do you want to log out?",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: now}
			tt.opts.Now = c.Now
			srv := NewServer(tt.opts)
			defer srv.Close()
			lt := login(t, srv)
			c.Advance(tt.advance)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			p := tt.params(t, srv, lt)
			got := endSession(t, srv, method, p)
			assert.Equal(t, tt.status, got.status, got.body)
			assert.Equal(t, tt.location, got.location)
			assert.Contains(t, got.body, tt.page)
			assert.NotContains(t, got.body, lt.IDToken)
			if tt.status == http.StatusBadRequest {
				assert.Contains(t, got.body, "We are sorry...")
			}

			_, claims := jwtParts(t, lt.IDToken)
			status, body := tokenRequest(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {lt.RefreshToken}})
			if !tt.ends {
				assert.Empty(t, srv.Logouts())
				assert.Equal(t, http.StatusOK, status, "the session goes on: refresh works")
				return
			}
			require.Equal(t, []Logout{{ClientID: "license-users", Subject: "license-user-1", SID: claims["sid"].(string), PostLogoutRedirectURL: p.Get("post_logout_redirect_uri")}}, srv.Logouts())
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "invalid_grant", body["error"])
			assert.Equal(t, "Session not active", body["error_description"])
			_, ok := srv.access.Lookup(lt.AccessToken, c.Now())
			assert.False(t, ok, "the session's access token is revoked")
		})
	}
}

// TestEndSessionEndsTheSession: a logout ends the session its hint names —
// its refresh tokens and its unredeemed codes stop working, a back-channel
// logout token for it names its sid — while the user's other sessions go
// on, and a second logout with the same hint ends nothing more.
func TestEndSessionEndsTheSession(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }})
	defer srv.Close()
	first := login(t, srv)
	other := login(t, srv)
	code, sessionState := authorizeCode(t, srv) // a login whose code is not redeemed yet
	_, c := jwtParts(t, first.IDToken)
	require.Equal(t, first.SessionState, c["sid"], "the ID token's sid is the login's session_state")

	p := url.Values{"id_token_hint": {first.IDToken}, "post_logout_redirect_uri": {appHome}}
	got := endSession(t, srv, http.MethodGet, p)
	require.Equal(t, http.StatusFound, got.status, got.body)
	got = endSession(t, srv, http.MethodGet, p)
	require.Equal(t, http.StatusFound, got.status, "a second logout of an ended session still goes back")
	require.Len(t, srv.Logouts(), 1)

	l := srv.Logouts()[0]
	assert.Equal(t, Logout{ClientID: "license-users", Subject: "license-user-1", SID: first.SessionState, PostLogoutRedirectURL: appHome}, l)
	_, lc := jwtParts(t, srv.LogoutToken(l.Subject, l.SID))
	assert.Equal(t, c["sid"], lc["sid"], "the back-channel logout token names the ended session")

	status, body := tokenRequest(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"])
	status, body = tokenRequest(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {other.RefreshToken}})
	assert.Equal(t, http.StatusOK, status, "another session of the user goes on: %v", body["error_description"])

	got = endSession(t, srv, http.MethodGet, url.Values{"id_token_hint": {srv.SignIDToken(idClaims(srv, sessionState))}})
	require.Equal(t, http.StatusOK, got.status, got.body)
	status, body = tokenRequest(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"], "a code of an ended session is not redeemed")
}

// TestEndSessionEndpointIsAdvertisedAndServed: the discovery document and
// the sso_url answer name one end_session_endpoint, Keycloak's
// {issuer}/protocol/openid-connect/logout, and the fake serves it (GET and
// POST with a form; other methods 405, other bodies 415).
func TestEndSessionEndpointIsAdvertisedAndServed(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	want := srv.Issuer() + "/protocol/openid-connect/logout"

	resp, err := srv.Client().Get(srv.Issuer() + "/.well-known/openid-configuration")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	resp.Body.Close()
	assert.Equal(t, want, doc["end_session_endpoint"], "discovery")

	p, err := licensespring.New(srv.Config())
	require.NoError(t, err)
	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want, ep.EndSessionURL, "the sso_url answer's openid_configuration")

	for _, m := range []string{http.MethodGet, http.MethodPost} {
		got := endSession(t, srv, m, url.Values{})
		assert.Equal(t, http.StatusOK, got.status, m)
		assert.Contains(t, got.body, "Do you want to log out?", m)
	}
	req, err := http.NewRequest(http.MethodPut, want, nil)
	require.NoError(t, err)
	resp, err = srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = srv.Client().Post(want, "application/json", strings.NewReader(`{"id_token_hint":"x"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, "a POST takes a form")
	assert.Equal(t, 4, srv.Requests(EndpointLogout))
}

// TestDefaultPostLogoutRedirectURLs: the zero Options register "+" and the
// root of each redirect URL's origin; explicit ones are kept as given.
func TestDefaultPostLogoutRedirectURLs(t *testing.T) {
	for _, tt := range []struct {
		redirects, want []string
	}{
		{nil, []string{"+", "http://127.0.0.1/"}},
		{[]string{"http://127.0.0.1:8080/auth/licensespring/callback", "https://app.example/cb", "https://app.example/other"}, []string{"+", "http://127.0.0.1:8080/", "https://app.example/"}},
	} {
		srv := NewServer(Options{RedirectURLs: tt.redirects})
		assert.Equal(t, tt.want, srv.Options().PostLogoutRedirectURLs, tt.redirects)
		srv.Close()
	}
	srv := NewServer(Options{PostLogoutRedirectURLs: []string{"https://app.example/bye"}})
	defer srv.Close()
	assert.Equal(t, []string{"https://app.example/bye"}, srv.Options().PostLogoutRedirectURLs)
}
