package webuntis_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// TestRedirectURL: the provider reports its configured redirect URL, ""
// when none is set (package web decides its cookies' Secure from it).
func TestRedirectURL(t *testing.T) {
	for _, want := range []string{"https://app.example/auth/webuntis/callback", ""} {
		p := mustNew(t, webuntis.Config{Tenant: "1234", ClientID: "c", ClientSecret: "s", RedirectURL: want})
		if got := p.RedirectURL(); got != want {
			t.Errorf("RedirectURL() = %q, want %q", got, want)
		}
	}
}

// TestLoginEndsSession: WebUntis' Login URL rule — every launch starts a
// new login and ends the app's current session — is reported to package
// web.
func TestLoginEndsSession(t *testing.T) {
	p := mustNew(t, webuntis.Config{Tenant: "1234", ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb"})
	if !p.LoginEndsSession() {
		t.Error("LoginEndsSession() = false, want true (docs/vendors/webuntis.md#login-url)")
	}
}
