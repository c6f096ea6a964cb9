package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// hrefRE finds the links of a page.
var hrefRE = regexp.MustCompile(`(?i)(?:href|action)="([^"]*)"`)

// checkLinks fails when a link of page could take the browser to another
// host: scheme-relative ("//host", "/\host") or absolute.
func checkLinks(t *testing.T, what, page string) {
	t.Helper()
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		link := m[1]
		if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || strings.HasPrefix(link, `/\`) || strings.HasPrefix(link, "/&#92;") {
			t.Errorf("%s: the page links to %q, which can leave the site", what, link)
		}
	}
}

// TestErrorPagesShowOnlyConfiguredProviders: a provider segment the app did
// not configure — a sentence, a phone number, a host — is never reflected
// in an error page, as text or in a link, with Providers or with Resolve;
// a configured provider is still named.
func TestErrorPagesShowOnlyConfiguredProviders(t *testing.T) {
	crafted := []string{
		"your account is locked. Call +1-555-0100",
		"Call.555-0100.your.account.is.locked",
		"/evil.example",
		"//evil.example",
		`\evil.example`,
	}
	for mode, e := range map[string]*env{"Providers": newEnv(t, nil), "Resolve": resolveEnv(t)} {
		t.Run(mode, func(t *testing.T) {
			b := e.browser()
			for _, seg := range crafted {
				for _, path := range []string{
					"/auth/" + url.PathEscape(seg) + "/callback?error=access_denied",
					"/auth/" + url.PathEscape(seg) + "/callback?error=access_denied&state=x",
					"/auth/" + url.PathEscape(seg) + "/callback?code=c&state=x",
					"/auth/" + url.PathEscape(seg) + "/login",
				} {
					r := b.first(http.MethodGet, path, nil, nil)
					if r.status < 400 {
						t.Errorf("%s: status %d, want an error page", path, r.status)
					}
					for _, word := range []string{"locked", "555", "evil"} {
						if strings.Contains(r.body, word) {
							t.Errorf("%s: the page shows %q from the provider segment", path, word)
						}
					}
					checkLinks(t, path, r.body)
				}
			}
			r := b.first(http.MethodGet, "/auth/justimmo/callback?error=access_denied", nil, nil)
			if !strings.Contains(r.body, "Access was denied at Justimmo") {
				t.Errorf("a configured provider's denial: %q, want it named", r.body)
			}
			checkLinks(t, "justimmo denial", r.body)
		})
	}
}

// TestBasePathCannotMakeSchemeRelativeLinks: BasePath "/" — whose links
// a provider segment "/evil.example" would turn into //evil.example/login
// — is refused; other base paths are normalised, and the pages of each
// link only under it.
func TestBasePathCannotMakeSchemeRelativeLinks(t *testing.T) {
	p := stubIDP{"a", "https://app.example/auth/a/callback"}
	for _, bp := range []string{"/", "//", "//evil.example", `/\evil.example`, "auth", "/a//b"} {
		if _, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{newKey()}, BasePath: bp}); err == nil {
			t.Errorf("BasePath %q is accepted", bp)
		}
	}
	for bp, want := range map[string]string{"": "/auth/a/login", "/sso/": "/sso/a/login", "/x/y": "/x/y/a/login"} {
		p := stubIDP{"a", "https://app.example" + strings.TrimSuffix(want, "/login") + "/callback"}
		h, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{newKey()}, BasePath: bp})
		must(t, err)
		if got := h.LoginPath("a"); got != want {
			t.Errorf("BasePath %q: LoginPath = %q, want %q", bp, got, want)
		}
	}
}
