// Package clientauth makes the client assertions of private_key_jwt client
// authentication (RFC 7523 §2.2 and §3, OpenID Connect Core §9): a JWT the
// client signs with its own key and sends to the token, revocation and
// introspection endpoints instead of a secret. Signing is go-jose's.
package clientauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// AssertionType is client_assertion_type for a JWT (RFC 7523 §2.2).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// DefaultLifetime is how long an assertion is valid: long enough for one
// request and its retries, short enough that a captured one is soon useless
// (RFC 7523 §3 item 4 asks for a limited lifetime).
const DefaultLifetime = time.Minute

// SignFunc signs signingInput (the JWS signing input, RFC 7515 §5.1) with a
// key held elsewhere (a KMS, an HSM) and returns the signature in JWS form:
// RS256 PKCS #1 v1.5 over SHA-256, ES256 the 64-byte r||s over SHA-256,
// EdDSA the Ed25519 signature of the input itself.
type SignFunc func(ctx context.Context, signingInput []byte) ([]byte, error)

// Key is the client's signing key.
type Key struct {
	ID        string                  // kid; the server finds the key by it in the client's registered JWKS
	Algorithm jose.SignatureAlgorithm // RS256, ES256 or EdDSA; zero: from the key's type
	Signer    crypto.Signer           // *rsa.PrivateKey, *ecdsa.PrivateKey (P-256), ed25519.PrivateKey, or any crypto.Signer of those kinds
	Sign      SignFunc                // instead of Signer: a signer that takes a context; Algorithm is then required
}

// Algorithms are the algorithms assertions may be signed with.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Check validates k and returns it with its algorithm filled in.
func (k Key) Check() (Key, error) {
	if (k.Signer == nil) == (k.Sign == nil) {
		return k, errors.New("exactly one of Signer and Sign is required")
	}
	if k.Algorithm == "" {
		if k.Signer == nil {
			return k, errors.New("an Algorithm is required with Sign")
		}
		switch pub := k.Signer.Public().(type) {
		case *rsa.PublicKey:
			k.Algorithm = jose.RS256
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				return k, errors.New("an ECDSA key must be on P-256 (ES256)")
			}
			k.Algorithm = jose.ES256
		case ed25519.PublicKey:
			k.Algorithm = jose.EdDSA
		default:
			return k, fmt.Errorf("key type %T is not RSA, ECDSA P-256 or Ed25519", pub)
		}
	}
	ok := false
	for _, a := range Algorithms {
		ok = ok || a == k.Algorithm
	}
	if !ok {
		return k, fmt.Errorf("algorithm %q is not one of RS256, ES256, EdDSA", k.Algorithm)
	}
	return k, nil
}

// Claims are one assertion's parameters.
type Claims struct {
	ClientID string    // iss and sub (RFC 7523 §3 items 1 and 2)
	Audience string    // aud: the authorization server's issuer identifier, or its token endpoint
	Now      time.Time // iat; exp is Now + Lifetime
	Lifetime time.Duration
}

// Assertion returns a fresh signed assertion for c: iss and sub the client
// id, aud, a random jti (128 bits, so that the server's replay check never
// refuses a genuine one), iat, nbf and exp.
func Assertion(ctx context.Context, k Key, c Claims) (string, error) {
	life := c.Lifetime
	if life <= 0 {
		life = DefaultLifetime
	}
	sk := jose.SigningKey{Algorithm: k.Algorithm, Key: k.Signer}
	if k.Sign != nil || !native(k.Signer) {
		sk.Key = opaque{ctx: ctx, k: k}
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if k.ID != "" {
		opts = opts.WithHeader("kid", k.ID)
	}
	signer, err := jose.NewSigner(sk, opts)
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	now := c.Now.Truncate(time.Second)
	claims := jwt.Claims{
		Issuer:    c.ClientID,
		Subject:   c.ClientID,
		Audience:  jwt.Audience{c.Audience},
		ID:        base64.RawURLEncoding.EncodeToString(jti),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(life)),
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("client assertion: signing: %w", err)
	}
	return raw, nil
}

// native reports whether go-jose signs with s itself.
func native(s crypto.Signer) bool {
	switch s.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return true
	}
	return false
}
