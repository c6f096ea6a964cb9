package web_test

import (
	"errors"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// TestNewChecksRedirectURL: New refuses a provider whose redirect URL is
// not the handler's callback, {BasePath}/{name}/callback, naming the
// provider and both paths; a provider that does not report its redirect
// URL is not checked.
func TestNewChecksRedirectURL(t *testing.T) {
	tests := []struct {
		name      string
		providers []oauthkit.Provider
		basePath  string
		wantErr   string // "": accepted
	}{
		{"the callback", []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, "", ""},
		{"the callback under BasePath", []oauthkit.Provider{stubIDP{"a", "http://127.0.0.1:8080/sso/a/callback"}}, "/sso/", ""},
		{"with a query", []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback?x=1"}}, "", ""},
		{"a provider that does not say", []oauthkit.Provider{newIDP("a")}, "", ""},
		{"no path", []oauthkit.Provider{stubIDP{"unisignin", "http://127.0.0.1/callback"}}, "",
			`web: provider "unisignin": RedirectURL path is "/callback", want "/auth/unisignin/callback"`},
		{"another BasePath", []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}}, "/sso",
			`web: provider "a": RedirectURL path is "/auth/a/callback", want "/sso/a/callback"`},
		{"another provider's callback", []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}, stubIDP{"b", "https://app.example/auth/a/callback"}}, "",
			`web: provider "b": RedirectURL path is "/auth/a/callback", want "/auth/b/callback"`},
		{"a trailing slash", []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback/"}}, "",
			`web: provider "a": RedirectURL path is "/auth/a/callback/", want "/auth/a/callback"`},
		{"empty", []oauthkit.Provider{stubIDP{"a", ""}}, "",
			`web: provider "a": RedirectURL is empty, want one with the path "/auth/a/callback"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := web.New(web.Config{Providers: tt.providers, BasePath: tt.basePath, Keys: [][]byte{newKey()}})
			if tt.wantErr == "" {
				must(t, err)
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("New: %v, want %s", err, tt.wantErr)
			}
			if !errors.Is(err, web.ErrRedirectURL) {
				t.Errorf("New: %v, want errors.Is ErrRedirectURL", err)
			}
		})
	}
}

// TestNewRefusesAVendorsWrongRedirectURL: a vendor provider configured
// with a redirect URL no handler serves (the fakes' old default) is
// refused at New, instead of every login ending on a page that is not
// there.
func TestNewRefusesAVendorsWrongRedirectURL(t *testing.T) {
	fake := unisignintest.NewServer(unisignintest.Options{})
	t.Cleanup(fake.Close)
	cfg := fake.Config()
	cfg.RedirectURL = "http://127.0.0.1/callback"
	p, err := unisignin.New(cfg)
	must(t, err)
	_, err = web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{newKey()}})
	if !errors.Is(err, web.ErrRedirectURL) {
		t.Fatalf("New with the fake's default redirect URL %q: %v, want ErrRedirectURL", cfg.RedirectURL, err)
	}
}
