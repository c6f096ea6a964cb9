package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

const signedOutNotice = `<p class="notice" role="status">You have signed out.</p>`

// TestLogoutLeavesAOneTimeNotice: after logout the page the user lands on
// — here, through RequireLogin, the sign-in page — says "You have signed
// out." once; a reload does not, and a new login clears a notice not yet
// shown.
func TestLogoutLeavesAOneTimeNotice(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login("webuntis", "")
	if b.session() == nil {
		t.Fatal("no session after login")
	}
	r := b.first(http.MethodPost, "/auth/logout", url.Values{"return_to": {"/whoami"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}})
	if r.status != http.StatusSeeOther || r.location != "/whoami" {
		t.Fatalf("logout: status %d, location %q", r.status, r.location)
	}
	var notice *http.Cookie
	for _, c := range b.cookies("/") {
		if c.Name == "oauthkit_signed_out" {
			notice = c
		}
	}
	if notice == nil {
		t.Fatal("logout set no signed-out notice")
	}
	landed := b.get("/whoami")
	if !strings.Contains(landed.body, signedOutNotice) {
		t.Fatalf("the page after logout: status %d, no signed-out notice in %.300q", landed.status, landed.body)
	}
	if again := b.get("/auth/sign-in"); strings.Contains(again.body, "You have signed out") {
		t.Error("the notice shows a second time")
	}

	// Logged out, and logged in again before any page showed the notice.
	b.first(http.MethodPost, "/auth/logout", url.Values{}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {e.app.URL}})
	b.login("unisignin", "")
	for _, c := range b.cookies("/") {
		if c.Name == "oauthkit_signed_out" {
			t.Error("a completed login left the signed-out notice")
		}
	}
	if p := b.get("/auth/sign-in"); strings.Contains(p.body, "You have signed out") {
		t.Error("the sign-in page after a new login says \"You have signed out\"")
	}
}

// TestSignedOutNoticeCookie: the notice is a short-lived HttpOnly cookie
// for the whole site ("__Host-" and Secure when cookies are), set by every
// completed logout; with one provider RequireLogin then shows the sign-in
// page rather than start that provider's login at once.
func TestSignedOutNoticeCookie(t *testing.T) {
	for _, tt := range []struct {
		redirect, name string
		secure         bool
	}{
		{"https://app.example/auth/a/callback", "__Host-oauthkit_signed_out", true},
		{"http://127.0.0.1:8080/auth/a/callback", "oauthkit_signed_out", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := web.New(web.Config{Providers: []oauthkit.Provider{stubIDP{"a", tt.redirect}}, Keys: [][]byte{newKey()}})
			must(t, err)
			req := httptest.NewRequest(http.MethodPost, "https://app.example/auth/logout", strings.NewReader("return_to=%2Fx"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("logout: status %d", w.Code)
			}
			var notice *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == tt.name {
					notice = c
				}
			}
			if notice == nil {
				t.Fatalf("logout set no %s cookie", tt.name)
			}
			if !notice.HttpOnly || notice.Secure != tt.secure || notice.Path != "/" || notice.MaxAge <= 0 || notice.MaxAge > 600 || notice.SameSite != http.SameSiteLaxMode {
				t.Errorf("notice cookie %+v: want HttpOnly, Secure %v, Path /, SameSite=Lax, a short Max-Age", notice, tt.secure)
			}
			app := h.RequireLogin(http.NotFoundHandler())
			if loc := serveWith(app, http.MethodGet, "/x", notice).Header().Get("Location"); loc != "/auth/sign-in?return_to=%2Fx" {
				t.Errorf("RequireLogin right after logout, one provider: location %q, want the sign-in page", loc)
			}
			if loc := serveWith(app, http.MethodGet, "/x").Header().Get("Location"); loc != "/auth/a/login?return_to=%2Fx" {
				t.Errorf("RequireLogin, one provider: location %q, want its login", loc)
			}
		})
	}
}

// TestHandlerSignedOut: an app's own page reads the notice once with
// Handler.SignedOut, which clears it.
func TestHandlerSignedOut(t *testing.T) {
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, Keys: [][]byte{newKey()}})
	must(t, err)
	req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
	w := httptest.NewRecorder()
	if h.SignedOut(w, req) || len(w.Result().Cookies()) != 0 {
		t.Error("SignedOut without the notice: true, or a cookie set")
	}
	req.AddCookie(&http.Cookie{Name: "__Host-oauthkit_signed_out", Value: "1"})
	w = httptest.NewRecorder()
	if !h.SignedOut(w, req) {
		t.Fatal("SignedOut with the notice: false")
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-oauthkit_signed_out" || cs[0].MaxAge >= 0 || cs[0].Path != "/" {
		t.Errorf("SignedOut did not clear the notice: %+v", cs)
	}
}
