package licensespring_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

// TestRedirectURL: the provider reports its configured redirect URL, ""
// when none is set (package web decides its cookies' Secure from it).
func TestRedirectURL(t *testing.T) {
	for _, want := range []string{"https://app.example/auth/licensespring/callback", ""} {
		p, err := licensespring.New(licensespring.Config{APIKey: "k", SharedKey: "s", Product: "p", CustomerAccountCode: "c", RedirectURL: want})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.RedirectURL(); got != want {
			t.Errorf("RedirectURL() = %q, want %q", got, want)
		}
	}
}
