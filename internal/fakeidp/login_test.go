package fakeidp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestLoginPageEscapes: the page escapes what it shows, and an accent that
// is not a plain colour falls back to the default.
func TestLoginPageEscapes(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, `/authorize?state="><script>`, nil)
	LoginPage(w, r, Page{Vendor: "V", Accent: "red;}body{display:none", ClientID: "<b>app</b>", User: Account{Subject: "s", Name: "<i>n</i>"}})
	page := w.Body.String()
	for _, bad := range []string{"<b>app</b>", "<i>n</i>", `"><script>`, "display:none"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if !strings.Contains(page, "background:#0b57d0") {
		t.Error("a bad accent falls back to the default colour")
	}
}

// TestSignInStep: the outcomes of a GET and of the form's posts, with and
// without the page.
func TestSignInStep(t *testing.T) {
	post := func(button string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/authorize?state=s", strings.NewReader(url.Values{signInField: {button}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	denyGet := httptest.NewRequest(http.MethodGet, "/authorize", nil)
	denyGet.Header.Set(ConsentHeader, "deny")
	for _, tt := range []struct {
		name   string
		page   bool
		r      *http.Request
		want   Consent
		status int
	}{
		{"GET, no page", false, httptest.NewRequest(http.MethodGet, "/authorize", nil), Approved, 200},
		{"GET declining, no page", false, denyGet, Denied, 200},
		{"GET, page", true, httptest.NewRequest(http.MethodGet, "/authorize", nil), Answered, 200},
		{"Sign in", true, post(signInValue), Approved, 200},
		{"Cancel", true, post(cancelValue), Denied, 200},
		{"other POST", true, post("x"), Answered, 405},
		{"POST, no page", false, post(signInValue), Answered, 405},
	} {
		w := httptest.NewRecorder()
		if got := SignInStep(w, tt.r, tt.page, Page{Vendor: "V"}); got != tt.want || w.Code != tt.status {
			t.Errorf("%s: %v (HTTP %d), want %v (HTTP %d)", tt.name, got, w.Code, tt.want, tt.status)
		}
	}
}
