package openid_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// TestClientKeyMustFitAlgorithm: a ClientKey whose key cannot sign with
// its Algorithm (RFC 7518 §3.4: ES256 is P-256) is refused by New with a
// ConfigError, whether go-jose holds the key or a KMS client does, rather
// than failing (or panicking) at every token request.
func TestClientKeyMustFitAlgorithm(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	rk, ek, _ := clientKeys()
	tests := []struct {
		name string
		key  openid.ClientKey
	}{
		{"KMS P-384 with ES256", openid.ClientKey{ID: "k", Signer: kmsSigner{p384}, Algorithm: "ES256"}},
		{"P-384 with ES256", openid.ClientKey{ID: "k", Signer: p384, Algorithm: "ES256"}},
		{"P-384 without Algorithm", openid.ClientKey{ID: "k", Signer: p384}},
		{"KMS RSA with ES256", openid.ClientKey{ID: "k", Signer: kmsSigner{rk}, Algorithm: "ES256"}},
		{"KMS P-256 with RS256", openid.ClientKey{ID: "k", Signer: kmsSigner{ek}, Algorithm: "RS256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			_, err := openid.New(openid.Config{
				ClientID: "rp", ClientKey: &key, AuthMethod: openid.AuthPrivateKeyJWT,
				Endpoints: &oauthkit.Endpoints{Issuer: "https://idp.example", TokenURL: "https://idp.example/token"},
			})
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "ClientKey", ce.Field)
		})
	}
}
