package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// signInLinks returns the sign-in page's buttons: label and href.
func signInLinks(t *testing.T, body string) [][2]string {
	t.Helper()
	var out [][2]string
	for _, m := range regexp.MustCompile(`<a class="button" href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, [2]string{html.UnescapeString(m[2]), html.UnescapeString(m[1])})
	}
	return out
}

// TestRequireLoginSendsToSignInPage: with several providers and no
// SignInPath, a visitor without a session is sent to the handler's
// sign-in page (not a dead-end 401), which lists every provider by name,
// in order, each linking to its login with the return_to carried; a
// button leads through the login back to the page first asked for.
func TestRequireLoginSendsToSignInPage(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	r := b.first(http.MethodGet, "/whoami?x=1&y=2", nil, nil)
	if r.status != http.StatusFound || r.location != "/auth/sign-in?return_to=%2Fwhoami%3Fx%3D1%26y%3D2" {
		t.Fatalf("RequireLogin without a session: status %d, location %q; want 302 to the sign-in page", r.status, r.location)
	}
	page := b.first(http.MethodGet, r.location, nil, nil)
	if page.status != http.StatusOK {
		t.Fatalf("sign-in page: status %d", page.status)
	}
	want := [][2]string{
		{"Sign in with WebUntis", "/auth/webuntis/login?return_to=%2Fwhoami%3Fx%3D1%26y%3D2"},
		{"Sign in with UniSignIn", "/auth/unisignin/login?return_to=%2Fwhoami%3Fx%3D1%26y%3D2"},
		{"Sign in with Justimmo", "/auth/justimmo/login?return_to=%2Fwhoami%3Fx%3D1%26y%3D2"},
		{"Sign in with LicenseSpring", "/auth/licensespring/login?return_to=%2Fwhoami%3Fx%3D1%26y%3D2"},
	}
	got := signInLinks(t, page.body)
	if len(got) != len(want) {
		t.Fatalf("sign-in page buttons = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("button %d = %q, want %q", i, got[i], want[i])
		}
	}
	if strings.Contains(page.body, "You have signed out") {
		t.Error("the sign-in page says \"You have signed out\" before any logout")
	}
	// Through the UniSignIn button, back to the page first asked for.
	done := b.get(got[1][1])
	if done.status != http.StatusOK || !strings.Contains(done.body, `"p":"unisignin"`) {
		t.Fatalf("after the UniSignIn button: status %d, body %.200q", done.status, done.body)
	}
	if last := b.hit[len(b.hit)-1]; last.RequestURI() != "/whoami?x=1&y=2" {
		t.Errorf("the login came back to %q, want /whoami?x=1&y=2", last.RequestURI())
	}
}

// TestSignInPageIsAccessible: the page has a language, a title, one
// heading, links (not script) for buttons with a visible focus style, and
// the error page's headers.
func TestSignInPageIsAccessible(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := http.Get(e.app.URL + "/auth/sign-in")
	must(t, err)
	defer resp.Body.Close()
	body := readAll(t, resp)
	for _, want := range []string{`<html lang="en">`, `<title>Sign in</title>`, `<h1>Sign in</h1>`, `a.button:focus-visible{outline:`, `<meta name="viewport"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script", "onclick", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("sign-in page has %s", bad)
		}
	}
	if strings.Count(body, "<h1") != 1 {
		t.Error("sign-in page: want exactly one h1")
	}
	for k, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q, want no script", csp)
	}
}

// TestSignInPageReturnTo: the page's links carry only a same-site
// return_to (SafeReturnTo), query-escaped; anything else becomes "/".
func TestSignInPageReturnTo(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range []struct{ returnTo, want string }{
		{"", "%2F"},
		{"/r?a=1&b=2#frag", "%2Fr%3Fa%3D1%26b%3D2%23frag"},
		{"//evil.example", "%2F"},
		{"https://evil.example/", "%2F"},
		{`/"><script>alert(1)</script>`, "%2F%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"},
	} {
		page := e.browser().first(http.MethodGet, "/auth/sign-in?return_to="+url.QueryEscape(tt.returnTo), nil, nil)
		links := signInLinks(t, page.body)
		if len(links) == 0 {
			t.Fatalf("return_to %q: no buttons", tt.returnTo)
		}
		if got, want := links[0][1], "/auth/webuntis/login?return_to="+tt.want; got != want {
			t.Errorf("return_to %q: link %q, want %q", tt.returnTo, got, want)
		}
		if strings.Contains(page.body, "<script>") {
			t.Errorf("return_to %q reaches the page unescaped", tt.returnTo)
		}
	}
}

// TestLoginURL: the login's path with return_to checked and escaped.
func TestLoginURL(t *testing.T) {
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/sso/a/callback"}}, Keys: [][]byte{newKey()}, BasePath: "/sso"})
	must(t, err)
	for _, tt := range []struct{ name, returnTo, want string }{
		{"a", "", "/sso/a/login"},
		{"a", "/", "/sso/a/login?return_to=%2F"},
		{"a", "/reports?week=12&class=4b#top", "/sso/a/login?return_to=%2Freports%3Fweek%3D12%26class%3D4b%23top"},
		{"a", "/a b/ü", "/sso/a/login?return_to=%2F"}, // raw non-ASCII: not a URL a browser sends
		{"a", "/a%20b", "/sso/a/login?return_to=%2Fa%2520b"},
		{"a", "//evil.example", "/sso/a/login?return_to=%2F"},
		{"a", "javascript:alert(1)", "/sso/a/login?return_to=%2F"},
		{"a/b", "/", "/sso/a%2Fb/login?return_to=%2F"},
	} {
		if got := h.LoginURL(tt.name, tt.returnTo); got != tt.want {
			t.Errorf("LoginURL(%q, %q) = %q, want %q", tt.name, tt.returnTo, got, tt.want)
		}
	}
	if got := h.SignInPath(); got != "/sso/sign-in" {
		t.Errorf("SignInPath = %q, want /sso/sign-in", got)
	}
}

// TestSignInPageBesideAProviderNamedSignIn: the page is one segment under
// BasePath, where no provider's path can be: a provider named "sign-in"
// keeps its login.
func TestSignInPageBesideAProviderNamedSignIn(t *testing.T) {
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{
		stubIDP{"sign-in", "https://app.example/auth/sign-in/callback"},
		stubIDP{"b", "https://app.example/auth/b/callback"},
	}, Keys: [][]byte{newKey()}})
	must(t, err)
	page := serve(h, http.MethodGet, "/auth/sign-in")
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `href="/auth/sign-in/login?return_to=%2F"`) {
		t.Errorf("sign-in page: status %d, body %q", page.Code, page.Body.String())
	}
	login := serve(h, http.MethodGet, "/auth/sign-in/login")
	if loc := login.Header().Get("Location"); login.Code != http.StatusFound || !strings.HasPrefix(loc, "https://idp.example/authorize") {
		t.Errorf("the provider named sign-in's login: status %d, location %q", login.Code, loc)
	}
}

// TestSignInWithResolve: with Resolve the handler does not know the
// providers, so there is no sign-in page and RequireLogin without
// SignInPath answers 401; with SignInPath it redirects there.
func TestSignInWithResolve(t *testing.T) {
	resolve := func(*http.Request, string) (oauthkit.Provider, error) { return nil, web.ErrUnknownProvider }
	h, err := web.New(web.Config{Resolve: resolve, Keys: [][]byte{newKey()}})
	must(t, err)
	if r := serve(h, http.MethodGet, "/auth/sign-in"); r.Code != http.StatusNotFound {
		t.Errorf("sign-in page with Resolve: status %d, want 404", r.Code)
	}
	app := h.RequireLogin(http.NotFoundHandler())
	if r := serveWith(app, http.MethodGet, "/x"); r.Code != http.StatusUnauthorized {
		t.Errorf("RequireLogin with Resolve, no SignInPath: status %d, want 401", r.Code)
	}
	h, err = web.New(web.Config{Resolve: resolve, Keys: [][]byte{newKey()}, SignInPath: "/schools"})
	must(t, err)
	if r := serveWith(h.RequireLogin(http.NotFoundHandler()), http.MethodGet, "/x"); r.Header().Get("Location") != "/schools?return_to=%2Fx" {
		t.Errorf("RequireLogin with SignInPath: location %q", r.Header().Get("Location"))
	}
}

// TestRequireLoginOneProvider: with one provider RequireLogin still goes
// straight to its login.
func TestRequireLoginOneProvider(t *testing.T) {
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, Keys: [][]byte{newKey()}})
	must(t, err)
	if r := serveWith(h.RequireLogin(http.NotFoundHandler()), http.MethodGet, "/x"); r.Header().Get("Location") != "/auth/a/login?return_to=%2Fx" {
		t.Errorf("RequireLogin with one provider: location %q", r.Header().Get("Location"))
	}
}

// serve sends h one request without cookies.
func serve(h *web.Handler, method, path string) *httptest.ResponseRecorder {
	return serveWith(h, method, path)
}

func serveWith(h http.Handler, method, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "https://app.example"+path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	must(t, err)
	return string(b)
}
