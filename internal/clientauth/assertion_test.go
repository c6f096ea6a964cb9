package clientauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapped hides a key's type from go-jose, as a KMS client's signer does.
type wrapped struct{ crypto.Signer }

func (w wrapped) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return w.Signer.Sign(r, d, o)
}

func TestAssertion(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		key  Key
		pub  crypto.PublicKey
		alg  jose.SignatureAlgorithm
	}{
		{"RSA", Key{ID: "r", Signer: rk}, rk.Public(), jose.RS256},
		{"ECDSA", Key{ID: "e", Signer: ek}, ek.Public(), jose.ES256},
		{"Ed25519", Key{ID: "d", Signer: dk}, dk.Public(), jose.EdDSA},
		{"RSA behind crypto.Signer", Key{ID: "r", Signer: wrapped{rk}}, rk.Public(), jose.RS256},
		{"ECDSA behind crypto.Signer", Key{ID: "e", Signer: wrapped{ek}}, ek.Public(), jose.ES256},
		{"Ed25519 behind crypto.Signer", Key{ID: "d", Signer: wrapped{dk}}, dk.Public(), jose.EdDSA},
		{"Sign callback", Key{ID: "c", Algorithm: jose.ES256, Sign: func(_ context.Context, in []byte) ([]byte, error) {
			sum := sha256.Sum256(in)
			der, err := ek.Sign(rand.Reader, sum[:], crypto.SHA256)
			if err != nil {
				return nil, err
			}
			return rawECDSA(der, 32)
		}}, ek.Public(), jose.ES256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := tt.key.Check()
			require.NoError(t, err)
			assert.Equal(t, tt.alg, k.Algorithm)
			raw, err := Assertion(context.Background(), k, Claims{ClientID: "client", Audience: "https://idp.example", Now: now})
			require.NoError(t, err)
			tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{tt.alg})
			require.NoError(t, err)
			assert.Equal(t, tt.key.ID, tok.Headers[0].KeyID)
			assert.Equal(t, "JWT", tok.Headers[0].ExtraHeaders["typ"])
			var c jwt.Claims
			require.NoError(t, tok.Claims(tt.pub, &c), "the signature verifies with the public key")
			require.NoError(t, c.ValidateWithLeeway(jwt.Expected{Issuer: "client", Subject: "client", AnyAudience: jwt.Audience{"https://idp.example"}, Time: now}, 0))
			assert.True(t, now.Add(DefaultLifetime).Equal(c.Expiry.Time()), "exp one lifetime after now")
			assert.Len(t, c.ID, 22, "128 random bits, base64url")
		})
	}
}

func TestAssertionSignErrorIsReturned(t *testing.T) {
	boom := errors.New("kms unavailable")
	k, err := Key{ID: "c", Algorithm: jose.RS256, Sign: func(context.Context, []byte) ([]byte, error) { return nil, boom }}.Check()
	require.NoError(t, err)
	_, err = Assertion(context.Background(), k, Claims{ClientID: "c", Audience: "a", Now: time.Now()})
	require.ErrorIs(t, err, boom)
}

func TestKeyCheck(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	for name, k := range map[string]Key{
		"nothing":                  {},
		"both":                     {Signer: p384, Sign: func(context.Context, []byte) ([]byte, error) { return nil, nil }},
		"callback without alg":     {Sign: func(context.Context, []byte) ([]byte, error) { return nil, nil }},
		"P-384":                    {Signer: p384},
		"HS256":                    {Algorithm: jose.HS256, Sign: func(context.Context, []byte) ([]byte, error) { return nil, nil }},
		"none is not an algorithm": {Algorithm: "none", Sign: func(context.Context, []byte) ([]byte, error) { return nil, nil }},
	} {
		_, err := k.Check()
		assert.Error(t, err, name)
	}
}
