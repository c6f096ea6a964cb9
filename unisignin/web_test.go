package unisignin_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

// TestRedirectURL: the provider reports its configured redirect URL, ""
// when none is set (package web decides its cookies' Secure from it).
func TestRedirectURL(t *testing.T) {
	for _, want := range []string{"https://app.example/auth/unisignin/callback", ""} {
		p, err := unisignin.New(unisignin.Config{BaseURL: "https://acme.unisignin.example", ClientID: "c", RedirectURL: want})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.RedirectURL(); got != want {
			t.Errorf("RedirectURL() = %q, want %q", got, want)
		}
	}
}
