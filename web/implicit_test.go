package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// implicitEnv is an env whose LicenseSpring login is the implicit grant
// (tokens in the fragment), over store.
func implicitEnv(t *testing.T, store web.TokenStore) *env {
	return newEnv(t, func(e *env, c *web.Config) {
		lsc := e.ls.Config()
		lsc.ResponseType = licensespring.ResponseTypeToken
		lsc.RedirectURL = e.app.URL + "/auth/licensespring/callback"
		ls, err := licensespring.New(lsc)
		must(t, err)
		c.Providers[3] = ls
		c.Tokens = store
	})
}

// implicitLogin starts an implicit login in b and returns the fragment the
// provider sent and the login's state cookie.
func implicitLogin(t *testing.T, b *browser) (string, *http.Cookie) {
	t.Helper()
	r := b.getUntil("/auth/licensespring/login", "/auth/licensespring/callback")
	u, err := url.Parse(r.location)
	must(t, err)
	if u.Fragment == "" {
		t.Fatal("the implicit redirect carries no fragment")
	}
	for _, c := range b.cookies("/auth/licensespring/callback") {
		if strings.Contains(c.Name, "oauthkit_state_") {
			return u.EscapedFragment(), c
		}
	}
	t.Fatal("no state cookie")
	return "", nil
}

// postFragment posts fragment with cookies (the state and binding cookies)
// to h, as the fragment page would, and returns the response.
func postFragment(h http.Handler, base, fragment string, cookies ...*http.Cookie) *http.Response {
	r := httptest.NewRequest("POST", base+"/auth/licensespring/callback", strings.NewReader(url.Values{"fragment": {fragment}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// TestImplicitCallbackOncePerFleet: a captured LicenseSpring state cookie,
// binding cookie and fragment, posted again from another browser to
// another replica (same Keys, same store), makes no second session: the
// state is used once per fleet, not once per replica.
func TestImplicitCallbackOncePerFleet(t *testing.T) {
	store := web.NewMemoryTokenStore()
	e := implicitEnv(t, store)
	replica2, err := web.New(e.cfg)
	must(t, err)

	b := e.browser()
	fragment, state := implicitLogin(t, b)
	if r := b.first(http.MethodPost, "/auth/licensespring/callback", url.Values{"fragment": {fragment}}, http.Header{"Sec-Fetch-Site": {"same-origin"}}); r.status != http.StatusSeeOther {
		t.Fatalf("the browser's own fragment post: status %d, want 303", r.status)
	}
	if b.session() == nil {
		t.Fatal("no session after the login")
	}
	resp := postFragment(replica2, e.app.URL, fragment, state, b.bindingCookie())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the same state cookie and fragment on replica 2: status %d, want 400", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == replica2.SessionCookieName() && c.MaxAge >= 0 {
			t.Error("replica 2 started a second session with a used state")
		}
	}
	if n := store.Len(); n != 1 {
		t.Errorf("the store holds %d sessions, want 1", n)
	}
}

// onceDown is a store whose single-use records cannot be written.
type onceDown struct{ web.TokenStore }

func (onceDown) Once(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("store down")
}

// TestImplicitCallbackStoreDown: when the store cannot record the state's
// use, the implicit login is refused with 503 (retryable), never let
// through unrecorded.
func TestImplicitCallbackStoreDown(t *testing.T) {
	e := implicitEnv(t, onceDown{web.NewMemoryTokenStore()})
	b := e.browser()
	fragment, _ := implicitLogin(t, b)
	if r := b.first(http.MethodPost, "/auth/licensespring/callback", url.Values{"fragment": {fragment}}, http.Header{"Sec-Fetch-Site": {"same-origin"}}); r.status != http.StatusServiceUnavailable {
		t.Errorf("fragment post with the store down: status %d, want 503", r.status)
	}
	if b.session() != nil {
		t.Error("logged in without the state's use recorded")
	}
}
