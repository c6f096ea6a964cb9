package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoginLoopbackRedirect: login listens with package native. A
// registered loopback redirect URL without a port gets a free port (RFC
// 8252 §7.3; the fakes accept any port); one with a port keeps it; a
// "localhost" one is refused (RFC 8252 §8.3).
func TestLoginLoopbackRedirect(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		code           int
		want           string
	}{
		{"no port", "http://127.0.0.1/auth/callback", exitOK, "webuntis: logged in"},
		{"IPv4 default", "", exitOK, "webuntis: logged in"},
		{"localhost", "http://localhost/auth/callback", exitUsage, "RFC 8252 §7.3, §8.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"login", "webuntis", "--fake"}
			if tc.redirect != "" {
				args = append(args, "--redirect-url", tc.redirect)
			}
			r := runCLI(t, "", args...)
			require.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tc.want)
		})
	}
}
