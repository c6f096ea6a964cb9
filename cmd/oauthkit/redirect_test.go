package main

import (
	"strings"
	"testing"
)

// TestRedirectShapeLocalhost: doctor's redirect check says what login
// (package native) then does with a localhost redirect URL: refuse it
// for 127.0.0.1 or [::1] (RFC 8252 §8.3), while a web app may use it.
func TestRedirectShapeLocalhost(t *testing.T) {
	x, ok := redirectShape("webuntis", "http://localhost:8080/auth/webuntis/callback", false)
	if !ok || !strings.Contains(x.Cause, "127.0.0.1") {
		t.Errorf("localhost redirect: ok %v, cause %q; want ok with a note that login needs 127.0.0.1 or [::1]", ok, x.Cause)
	}
	if x, ok := redirectShape("webuntis", "http://127.0.0.1:8080/auth/webuntis/callback", false); !ok || strings.Contains(x.Cause, "localhost") {
		t.Errorf("127.0.0.1 redirect: ok %v, cause %q", ok, x.Cause)
	}
}
