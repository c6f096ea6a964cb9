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
	"slices"
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
	// ID is the kid the assertion's header names; the server finds the
	// public key by it among the client's registered ones. It is optional
	// (OpenID Connect Core §10.1 asks for it only when the client has
	// several keys), but a server holding several keys for the client may
	// refuse an assertion without it (Okta: "The client_assertion JWT kid
	// is invalid"): set it whenever the client registers more than one key,
	// or a JWKS URL.
	ID        string
	Algorithm jose.SignatureAlgorithm // RS256, ES256 or EdDSA; zero: from the key's type
	Signer    crypto.Signer           // *rsa.PrivateKey (2048 bits or more), *ecdsa.PrivateKey (P-256), ed25519.PrivateKey, or any crypto.Signer of those kinds
	Sign      SignFunc                // instead of Signer: a signer that takes a context; Algorithm is then required
}

// Algorithms are the algorithms assertions may be signed with.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// minRSABits is the smallest RSA key RS256 may use (RFC 7518 §3.3).
const minRSABits = 2048

// Check validates k and returns it with its algorithm filled in. With a
// Signer, its public key must be of the kind Algorithm signs with (RFC 7518
// §3.3, §3.4, RFC 8037 §3.1): an RSA key of at least 2048 bits for RS256,
// an ECDSA P-256 key for ES256, an Ed25519 key for EdDSA. A Sign callback's
// key cannot be seen, and is the caller's to match.
func (k Key) Check() (Key, error) {
	if (k.Signer == nil) == (k.Sign == nil) {
		return k, errors.New("exactly one of Signer and Sign is required")
	}
	var pub crypto.PublicKey
	if k.Signer != nil {
		if pub = k.Signer.Public(); pub == nil {
			return k, errors.New("the Signer has no public key")
		}
	}
	if k.Algorithm == "" {
		if k.Signer == nil {
			return k, errors.New("an Algorithm is required with Sign")
		}
		switch pub.(type) {
		case *rsa.PublicKey:
			k.Algorithm = jose.RS256
		case *ecdsa.PublicKey:
			k.Algorithm = jose.ES256
		case ed25519.PublicKey:
			k.Algorithm = jose.EdDSA
		default:
			return k, fmt.Errorf("key type %T is not RSA, ECDSA P-256 or Ed25519", pub)
		}
	}
	if !slices.Contains(Algorithms, k.Algorithm) {
		return k, fmt.Errorf("algorithm %q is not one of RS256, ES256, EdDSA", k.Algorithm)
	}
	if pub != nil {
		if err := fits(pub, k.Algorithm); err != nil {
			return k, err
		}
	}
	return k, nil
}

// fits reports why pub cannot sign with alg, or nil when it can.
func fits(pub crypto.PublicKey, alg jose.SignatureAlgorithm) error {
	switch alg {
	case jose.RS256:
		if p, ok := pub.(*rsa.PublicKey); !ok {
			return fmt.Errorf("algorithm RS256 needs an RSA key, not %s", kind(pub))
		} else if p.N == nil || p.N.BitLen() < minRSABits {
			return fmt.Errorf("algorithm RS256 needs an RSA key of at least %d bits (RFC 7518 §3.3), not %s", minRSABits, kind(pub))
		}
	case jose.ES256:
		if p, ok := pub.(*ecdsa.PublicKey); !ok || p.Curve != elliptic.P256() {
			return fmt.Errorf("algorithm ES256 needs an ECDSA P-256 key (RFC 7518 §3.4), not %s", kind(pub))
		}
	case jose.EdDSA:
		if p, ok := pub.(ed25519.PublicKey); !ok || len(p) != ed25519.PublicKeySize {
			return fmt.Errorf("algorithm EdDSA needs an Ed25519 key (RFC 8037 §3.1), not %s", kind(pub))
		}
	}
	return nil
}

// kind names a public key's type and size for an error: "an RSA 1024-bit
// key", "an ECDSA P-384 key". It names no key material.
func kind(pub crypto.PublicKey) string {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N == nil {
			return "an RSA key without a modulus"
		}
		return fmt.Sprintf("an RSA %d-bit key", p.N.BitLen())
	case *ecdsa.PublicKey:
		if p.Curve == nil {
			return "an ECDSA key without a curve"
		}
		return "an ECDSA " + p.Curve.Params().Name + " key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return fmt.Sprintf("a key of type %T", pub)
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
