package justimmo_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

// TestRedirectURL: the provider reports its configured redirect URL, ""
// when none is set (package web decides its cookies' Secure from it).
func TestRedirectURL(t *testing.T) {
	for _, want := range []string{"https://app.example/auth/justimmo/callback", ""} {
		p, err := justimmo.New(justimmo.Config{ClientID: "c", ClientSecret: "s", RedirectURL: want})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.RedirectURL(); got != want {
			t.Errorf("RedirectURL() = %q, want %q", got, want)
		}
	}
}
