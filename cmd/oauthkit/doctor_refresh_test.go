package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDoctorRefreshTokenSpentOnlyWhenAsked: UniSignIn and Justimmo rotate
// refresh tokens, so doctor refreshes with --refresh-token (spending it)
// only with --spend-refresh-token; without it the check is skipped and
// says why. The help says the user must log in again afterwards.
func TestDoctorRefreshTokenSpentOnlyWhenAsked(t *testing.T) {
	for _, vendor := range []string{"unisignin", "justimmo"} {
		t.Run(vendor, func(t *testing.T) {
			r := runCLI(t, "", "doctor", vendor, "--fake", "--refresh-token", "not-a-live-refresh-token")
			require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, "skip  refresh token")
			assert.Contains(t, r.stdout, "--spend-refresh-token")
			assert.Contains(t, r.stdout, "log in again")

			// With the flag the token is sent: a made-up one is refused.
			r = runCLI(t, "", "doctor", vendor, "--fake", "--refresh-token", "not-a-live-refresh-token", "--spend-refresh-token")
			require.Equal(t, exitFailed, r.code, r.stdout+r.stderr)
			assert.Contains(t, r.stdout, "FAIL  refresh token")
			assert.Contains(t, r.stdout, "the refresh token is dead")

			r = runCLI(t, "", "doctor", vendor, "-h")
			assert.Contains(t, r.stdout+r.stderr, "-spend-refresh-token")
			assert.Contains(t, r.stdout+r.stderr, "must log in again afterwards")
			assert.NotContains(t, r.stdout+r.stderr, "store the new one")
		})
	}
}
