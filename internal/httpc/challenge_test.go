package httpc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestChallengeError: the error of the named scheme's challenge, among
// several, quoted or not (DPoP's use_dpop_nonce and Bearer's invalid_token
// read by one parser).
func TestChallengeError(t *testing.T) {
	for v, want := range map[string]string{
		`DPoP error="use_dpop_nonce", error_description="x, y"`:                 "use_dpop_nonce",
		`Bearer error="invalid_token", DPoP algs="ES256", error=use_dpop_nonce`: "use_dpop_nonce",
		`Bearer error="invalid_token"`:                                          "",
		`DPoP algs="ES256"`:                                                     "",
		`dpop error="invalid_token"`:                                            "invalid_token",
	} {
		assert.Equal(t, want, ChallengeError(v, "DPoP"), v)
	}
	assert.True(t, bearerInvalidToken(`DPoP error="use_dpop_nonce", Bearer realm="api", error="invalid_token"`))
	assert.False(t, bearerInvalidToken(`Bearer error="insufficient_scope", DPoP error="invalid_token"`))
}
