package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/web"
)

func TestSafeReturnToKeepsSameSitePaths(t *testing.T) {
	for _, p := range []string{"/", "/x", "/x/y?z=1&w=%2F", "/reports#top", "/caf%C3%A9"} {
		if got := web.SafeReturnTo(p); got != p {
			t.Errorf("SafeReturnTo(%q) = %q, want it kept", p, got)
		}
	}
}

// FuzzSafeReturnTo: whatever comes in, what comes out is "/" or the input,
// and a browser resolving it against the app stays on the app's origin.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{"/", "/x?y", "//evil", "/\\evil", "/%2F%2Fevil", "/%5Cevil", "https://evil", "javascript:x", "/\t/evil", "/%252F/evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example/auth/x/callback")
	f.Fuzz(func(t *testing.T, s string) {
		got := web.SafeReturnTo(s)
		if got != "/" && got != s {
			t.Fatalf("SafeReturnTo changed the input to something other than /")
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("kept a value that does not parse")
		}
		if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
			t.Fatalf("kept a value that leaves the origin")
		}
		if strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("kept a scheme-relative value")
		}
	})
}
