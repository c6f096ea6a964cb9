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
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
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
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	sign := func(context.Context, []byte) ([]byte, error) { return nil, nil }
	tests := []struct {
		name string
		key  Key
		want string // in the error; "" for none
	}{
		{"nothing", Key{}, "exactly one"},
		{"both", Key{Signer: p384, Sign: sign}, "exactly one"},
		{"callback without alg", Key{Sign: sign}, "Algorithm is required"},
		{"P-384", Key{Signer: p384}, "not an ECDSA P-384 key"},
		{"HS256", Key{Algorithm: jose.HS256, Sign: sign}, "not one of"},
		{"none is not an algorithm", Key{Algorithm: "none", Sign: sign}, "not one of"},
		// RFC 7518 §3.4: ES256 is P-256 only, whether go-jose holds the
		// key or a KMS client does.
		{"P-384 with ES256", Key{Signer: p384, Algorithm: jose.ES256}, "not an ECDSA P-384 key"},
		{"P-384 behind crypto.Signer with ES256", Key{Signer: wrapped{p384}, Algorithm: jose.ES256}, "not an ECDSA P-384 key"},
		{"RSA with ES256", Key{Signer: wrapped{rk}, Algorithm: jose.ES256}, "not an RSA 2048-bit key"},
		{"P-256 with RS256", Key{Signer: wrapped{p256}, Algorithm: jose.RS256}, "RS256 needs an RSA key"},
		{"Ed25519 with RS256", Key{Signer: dk, Algorithm: jose.RS256}, "not an Ed25519 key"},
		{"P-256 with EdDSA", Key{Signer: p256, Algorithm: jose.EdDSA}, "EdDSA needs an Ed25519 key"},
		{"RSA 1024", Key{Signer: small}, "at least 2048 bits"},
		{"RSA 1024 with RS256", Key{Signer: wrapped{small}, Algorithm: jose.RS256}, "at least 2048 bits"},
		{"P-256 with ES256", Key{Signer: wrapped{p256}, Algorithm: jose.ES256}, ""},
		{"RSA with RS256", Key{Signer: rk, Algorithm: jose.RS256}, ""},
		{"Ed25519 with EdDSA", Key{Signer: wrapped{dk}, Algorithm: jose.EdDSA}, ""},
		{"callback with ES256", Key{Sign: sign, Algorithm: jose.ES256}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.key.Check()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRawECDSA: a DER signature whose r or s is longer than the
// algorithm's size (a larger curve's key) is an error, never a panic.
func TestRawECDSA(t *testing.T) {
	der := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		require.NoError(t, err)
		return b
	}
	one := big.NewInt(1)
	big48 := new(big.Int).Lsh(one, 8*48-1) // a P-384-sized value: 48 bytes
	big32 := new(big.Int).Lsh(one, 8*32-1)
	tests := []struct {
		name string
		der  []byte
		ok   bool
	}{
		{"fits", der(big32, one), true},
		{"r too long", der(big48, one), false},
		{"s too long", der(one, big48), false},
		{"zero r", der(big.NewInt(0), one), false},
		{"negative s", der(one, big.NewInt(-1)), false},
		{"not DER", []byte("junk"), false},
		{"trailing bytes", append(der(one, one), 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []byte
			var err error
			require.NotPanics(t, func() { out, err = rawECDSA(tt.der, 32) })
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, out, 64)
		})
	}
}

// p384Signer is a crypto.Signer over a P-384 key that go-jose does not
// recognise, as a KMS client's is; Public claims a P-256 key, as a
// misconfigured one might, so that Check lets it through and Assertion
// meets a signature too long for ES256.
type p384Signer struct {
	k   *ecdsa.PrivateKey
	pub crypto.PublicKey
}

func (s p384Signer) Public() crypto.PublicKey { return s.pub }
func (s p384Signer) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return s.k.Sign(r, d, o)
}

// TestAssertionWrongCurveSignatureIsAnError: a signer whose signatures do
// not fit ES256 fails the assertion with an error instead of panicking.
func TestAssertionWrongCurveSignatureIsAnError(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	k, err := Key{ID: "k", Signer: p384Signer{k: p384, pub: p256.Public()}, Algorithm: jose.ES256}.Check()
	require.NoError(t, err)
	require.NotPanics(t, func() {
		_, err = Assertion(context.Background(), k, Claims{ClientID: "c", Audience: "https://idp.example", Now: time.Now()})
	})
	require.ErrorContains(t, err, "does not fit")
}

// TestSignCallbackES256Length: an ES256 Sign callback returning anything
// but the 64-byte r||s (a DER signature, say) is an error.
func TestSignCallbackES256Length(t *testing.T) {
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	k, err := Key{ID: "c", Algorithm: jose.ES256, Sign: func(_ context.Context, in []byte) ([]byte, error) {
		sum := sha256.Sum256(in)
		return ek.Sign(rand.Reader, sum[:], crypto.SHA256) // DER, not r||s
	}}.Check()
	require.NoError(t, err)
	_, err = Assertion(context.Background(), k, Claims{ClientID: "c", Audience: "a", Now: time.Now()})
	require.ErrorContains(t, err, "64 bytes")
}
