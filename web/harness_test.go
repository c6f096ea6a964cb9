package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// env is an app with the handler mounted at /auth/ and the four fakes.
type env struct {
	t       *testing.T
	app     *httptest.Server
	h       *web.Handler
	cfg     web.Config // the handler's configuration: another replica is web.New(cfg)
	key     []byte
	logs    *syncBuffer
	wu      *webuntistest.Server
	usi     *unisignintest.Server
	ji      *justimmotest.Server
	ls      *licensespringtest.Server
	secrets []string            // every client secret of the fakes, for leak checks
	tokens  []string            // tokens, codes, states and cookies seen, for leak checks
	idToken string              // the last login's raw ID token
	seen    func(*http.Request) // when set (under mu), called with each request the app gets
	mu      sync.Mutex
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// names are the provider names the env mounts; "licensespring-implicit" is
// served by a second LicenseSpring fake through Resolve-free routing under
// its own handler, see newImplicitEnv.
var names = []string{"webuntis", "unisignin", "justimmo", "licensespring"}

func newEnv(t *testing.T, mod func(*env, *web.Config)) *env {
	t.Helper()
	e := &env{t: t, key: newKey(), logs: &syncBuffer{}}
	var handler http.Handler
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		seen := e.seen
		e.mu.Unlock()
		if seen != nil {
			seen(r)
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(e.app.Close)
	cb := func(name string) string { return e.app.URL + "/auth/" + name + "/callback" }

	e.wu = webuntistest.NewServer(webuntistest.Options{Tenant: webuntistest.Tenant{RedirectURLs: []string{cb("webuntis")}}})
	e.usi = unisignintest.NewServer(unisignintest.Options{App: unisignintest.App{RedirectURLs: []string{cb("unisignin")}}})
	e.ji = justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{RedirectURLs: []string{cb("justimmo")}}})
	// The realm's valid post-logout redirect URIs, matched exactly as
	// Keycloak does: the app's root (the handler's default
	// post_logout_redirect_uri) and the handler's own post-logout page.
	e.ls = licensespringtest.NewServer(licensespringtest.Options{RedirectURLs: []string{cb("licensespring")},
		PostLogoutRedirectURLs: []string{e.app.URL + "/", e.app.URL + "/auth/signed-out"}})
	for _, c := range []interface{ Close() }{e.wu, e.usi, e.ji, e.ls} {
		t.Cleanup(c.Close)
	}
	wu, err := webuntis.New(e.wu.Config())
	must(t, err)
	usi, err := unisignin.New(e.usi.Config())
	must(t, err)
	ji, err := justimmo.New(e.ji.Config())
	must(t, err)
	lsc := e.ls.Config()
	lsc.RedirectURL = cb("licensespring")
	ls, err := licensespring.New(lsc)
	must(t, err)
	e.secrets = []string{e.wu.Tenant().ClientSecret, e.wu.Tenant().Password, e.usi.App().Secret, e.ji.App().Secret, e.ls.Options().SharedKey}

	cfg := web.Config{
		Providers: []oauthkit.Provider{wu, usi, ji, ls},
		Keys:      [][]byte{e.key},
		Logger:    slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnLogin: func(r *http.Request, s *web.Session, l *oauthkit.Login) error {
			e.mu.Lock()
			e.tokens = append(e.tokens, l.Token.AccessToken, l.Token.RefreshToken, s.ID)
			if id, ok := l.Token.Extra("id_token").(string); ok {
				e.tokens = append(e.tokens, id)
				e.idToken = id
			}
			e.mu.Unlock()
			return nil
		},
	}
	if mod != nil {
		mod(e, &cfg)
	}
	e.cfg = cfg
	e.h, err = web.New(cfg)
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/auth/", e.h)
	mux.Handle("/", e.h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(web.SessionFrom(r))
	})))
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		tok, err := e.h.TokenSource(r).Token()
		if err != nil {
			if oauthkit.NeedsLogin(err) {
				http.Error(w, "needs login", http.StatusUnauthorized)
				return
			}
			http.Error(w, "token failed", http.StatusBadGateway)
			return
		}
		io.WriteString(w, "ok "+tok.Expiry.String())
	})
	handler = mux
	t.Cleanup(func() { e.checkLogs() })
	return e
}

// remember adds what a redirect carries — state, nonce, PKCE challenge,
// code, tokens in a fragment, and the cookies the redirect set — to the
// values no log line may show.
func (e *env) remember(req *http.Request) {
	var vals []string
	for _, q := range []url.Values{req.URL.Query(), fragmentValues(req.URL)} {
		for _, k := range []string{"state", "nonce", "code", "code_challenge", "access_token", "id_token"} {
			vals = append(vals, q.Get(k))
		}
	}
	if req.Response != nil {
		for _, c := range req.Response.Cookies() {
			vals = append(vals, c.Value)
		}
	}
	e.mu.Lock()
	for _, v := range vals {
		if v != "" {
			e.tokens = append(e.tokens, v)
		}
	}
	e.mu.Unlock()
}

func fragmentValues(u *url.URL) url.Values {
	v, _ := url.ParseQuery(u.EscapedFragment())
	return v
}

// checkLogs: no secret, token, code or cookie in any log line.
func (e *env) checkLogs() {
	e.t.Helper()
	e.mu.Lock()
	secrets := append(append([]string(nil), e.secrets...), e.tokens...)
	e.mu.Unlock()
	providertest.Text(e.t, "the handler's log", e.logs.String(), secrets...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is a cookie-jar client that follows redirects, except into a
// fragment (which a real browser keeps to itself).
type browser struct {
	t   *testing.T
	c   *http.Client
	e   *env
	hit []*url.URL // every URL visited
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: e.t, e: e}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.hit = append(b.hit, req.URL)
		b.e.remember(req)
		if req.URL.Fragment != "" || req.URL.RawFragment != "" {
			return http.ErrUseLastResponse
		}
		if stop, _ := req.Context().Value(stopAtKey{}).(string); stop != "" && strings.HasPrefix(req.URL.Path, stop) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

type stopAtKey struct{}

type response struct {
	status   int
	body     string
	location string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(body), resp.Header.Get("Location")}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

// getUntil follows redirects from path but stops before one into prefix,
// returning that redirect.
func (b *browser) getUntil(path, prefix string) response {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(context.WithValue(context.Background(), stopAtKey{}, prefix), http.MethodGet, b.abs(path), nil)
	return b.do(req)
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.e.app.URL + path
}

// session returns who the app says is logged in, or nil.
func (b *browser) session() *web.Session {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs("/whoami"), nil)
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var s web.Session
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		b.t.Fatal(err)
	}
	return &s
}

// cookies returns the browser's cookies for path.
func (b *browser) cookies(path string) []*http.Cookie {
	u, _ := url.Parse(b.abs(path))
	return b.c.Jar.Cookies(u)
}

// setCookie puts a cookie into the browser for path.
func (b *browser) setCookie(path string, c *http.Cookie) {
	u, _ := url.Parse(b.abs(path))
	c.Path = path
	b.c.Jar.SetCookies(u, []*http.Cookie{c})
}

// login runs a whole login at provider in b and returns the final response.
func (b *browser) login(provider, returnTo string) response {
	b.t.Helper()
	path := "/auth/" + provider + "/login"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	return b.get(path)
}

// first requests path without following any redirect.
func (b *browser) first(method, path string, form url.Values, header http.Header) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.abs(path), body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(raw), resp.Header.Get("Location")}
}

// callbackURL starts a login at provider and returns the callback URL the
// provider redirects to, without visiting it.
func (b *browser) callbackURL(provider, returnTo string) string {
	b.t.Helper()
	path := "/auth/" + provider + "/login"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	r := b.getUntil(path, "/auth/"+provider+"/callback")
	if r.status != http.StatusFound && r.status != http.StatusSeeOther {
		b.t.Fatalf("login at %s: status %d, want a redirect to the callback", provider, r.status)
	}
	return r.location
}

// loggedIn logs a new browser in with vendor and returns it and its session.
func (e *env) loggedIn(t *testing.T, vendor string) (*browser, *web.Session) {
	t.Helper()
	b := e.browser()
	if got := b.login(vendor, "/"); got.status != http.StatusOK {
		t.Fatalf("login: status %d", got.status)
	}
	s := b.session()
	if s == nil {
		t.Fatal("no session after login")
	}
	return b, s
}

// loginExpired logs a new browser in with vendor and replaces the session's
// stored access token by an expired one (and its refresh token by refresh,
// if set), before the session's first API call: nothing but store knows its
// tokens yet. It returns the browser, the session's ID and the access token
// it replaced.
func (e *env) loginExpired(t *testing.T, store web.TokenStore, vendor, refresh string) (*browser, string, string) {
	t.Helper()
	ctx := context.Background()
	b, s := e.loggedIn(t, vendor)
	st, err := store.Load(ctx, s.ID)
	must(t, err)
	old := st.Token.AccessToken
	tok := *st.Token
	tok.Expiry = time.Now().Add(-time.Minute)
	if refresh != "" {
		tok.RefreshToken = refresh
	}
	st.Token = &tok
	must(t, store.Save(ctx, s.ID, st))
	return b, s.ID, old
}
