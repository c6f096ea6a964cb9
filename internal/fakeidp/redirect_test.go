package fakeidp

import (
	"strings"
	"testing"
)

// TestRedirectRegistered: a registered loopback redirect URI matches on any
// port (RFC 8252 §7.3), everything else exactly.
func TestRedirectRegistered(t *testing.T) {
	for _, tt := range []struct {
		registered, requested string
		want                  bool
	}{
		{"https://app.example/cb", "https://app.example/cb", true},
		{"https://app.example/cb", "https://app.example:8443/cb", false},
		{"https://app.example:8443/cb", "https://app.example/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:49152/cb", true},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1:49152/cb", true},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1/cb", true},
		{"http://[::1]/cb", "http://[::1]:49152/cb", true},
		{"http://localhost/cb", "http://localhost:49152/cb", true},
		{"http://127.0.0.1/cb?x=1", "http://127.0.0.1:49152/cb?x=1", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1:49152/cb/", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:49152/Cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:49152/cb?x=1", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:49152/cb#f", false},
		{"http://127.0.0.1/cb", "http://localhost:49152/cb", false},
		{"http://localhost/cb", "http://127.0.0.1:49152/cb", false},
		{"http://127.0.0.1/cb", "https://127.0.0.1:49152/cb", false},
		{"https://127.0.0.1/cb", "https://127.0.0.1:49152/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.2:49152/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1.evil.example:49152/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:/cb", false},
		{"http://127.0.0.1/cb", "http://127.0.0.1:80x/cb", false},
		{"http://127.0.0.1/cb", "http://user@127.0.0.1:49152/cb", false},
		{"http://localhost/cb", "http://LOCALHOST:49152/cb", false},
		{"com.example.app://oauth/callback", "com.example.app://oauth/callback", true},
	} {
		if got := RedirectRegistered([]string{tt.registered}, tt.requested); got != tt.want {
			t.Errorf("registered %s, requested %s: %v, want %v", tt.registered, tt.requested, got, tt.want)
		}
	}
	if RedirectRegistered(nil, "http://127.0.0.1/cb") {
		t.Error("nothing registered, nothing matches")
	}
}

// FuzzRedirectRegistered: a requested redirect URI that is not the
// registered one matches only as the same loopback http URI on another
// port.
func FuzzRedirectRegistered(f *testing.F) {
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb")
	f.Add("http://[::1]:1/cb?x", "http://[::1]/cb?x")
	f.Add("https://app.example/cb", "https://app.example:1/cb")
	f.Fuzz(func(t *testing.T, registered, requested string) {
		if !RedirectRegistered([]string{registered}, requested) || registered == requested {
			return
		}
		a, okA := withoutLoopbackPort(registered)
		b, okB := withoutLoopbackPort(requested)
		if !okA || !okB || a != b || !strings.HasPrefix(requested, "http://") {
			t.Fatalf("%q matched %q", requested, registered)
		}
	})
}
