package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// ProofType is the typ header of a DPoP proof (RFC 9449 §4.2).
const ProofType = "dpop+jwt"

// Errors of the DPoP client.
var (
	// ErrBearer: a token response carried token_type Bearer (or none) to a
	// request sent with a DPoP proof, from a provider configured for DPoP:
	// the server did not bind the token to the key (RFC 9449 §5).
	ErrBearer = errors.New("the server issued a Bearer token to a DPoP request")
	// ErrKeyMismatch: a cached token is bound to another DPoP key than the
	// provider's (its thumbprint differs), so it cannot be used.
	ErrKeyMismatch = errors.New("the token is bound to another DPoP key")
	// ErrAlgorithm: the server's metadata lists the proof algorithms it
	// takes (dpop_signing_alg_values_supported, RFC 9449 §5.1) and the
	// key's is not among them: every proof would be refused.
	ErrAlgorithm = errors.New("the server does not take the DPoP key's algorithm")
)

// ExtraJKT is the [oauth2.Token] extra under which a DPoP-bound token
// carries its key's JWK SHA-256 thumbprint (RFC 7638), so that a cached
// token is only ever sent with the key it is bound to. The token stores
// keep it (tokencache/redisstore seals it with the token).
const ExtraJKT = oauthwire.ExtraDPoPJKT

// Key is a client's DPoP key: the private key that signs proofs, and the
// public key and thumbprint that go with it. It is safe for concurrent use.
type Key struct {
	signer jose.Signer
	alg    jose.SignatureAlgorithm
	jkt    string
}

// NewKey returns the DPoP key for priv: an *ecdsa.PrivateKey (P-256: ES256,
// P-384: ES384, P-521: ES512), an *rsa.PrivateKey (PS256: RFC 9449 §5
// names RSASSA-PSS as the RSA choice; RS256 with alg "RS256") or an
// ed25519.PrivateKey (EdDSA). alg "" picks the default for the key. A nil
// priv makes a fresh ES256 key.
func NewKey(priv crypto.Signer, alg string) (*Key, error) {
	if priv == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("dpop: generate key: %w", err)
		}
		priv = k
	}
	a, err := algorithm(priv, alg)
	if err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(a)}
	if !pub.Valid() {
		return nil, errors.New("dpop: the key's public half is not a valid JWK")
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("dpop: thumbprint: %w", err)
	}
	var key any = priv
	if k, ok := priv.(ed25519.PrivateKey); ok {
		key = k
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: a, Key: key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType(ProofType))
	if err != nil {
		return nil, fmt.Errorf("dpop: signer: %w", err)
	}
	return &Key{signer: s, alg: a, jkt: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// algorithm is the JWS algorithm of priv: alg, checked, or the default.
func algorithm(priv crypto.Signer, alg string) (jose.SignatureAlgorithm, error) {
	var allowed []jose.SignatureAlgorithm
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			allowed = []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			allowed = []jose.SignatureAlgorithm{jose.ES384}
		case elliptic.P521():
			allowed = []jose.SignatureAlgorithm{jose.ES512}
		default:
			return "", errors.New("dpop: unsupported ECDSA curve")
		}
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return "", errors.New("dpop: an RSA key must have at least 2048 bits")
		}
		allowed = []jose.SignatureAlgorithm{jose.PS256, jose.RS256, jose.PS384, jose.RS384, jose.PS512, jose.RS512}
	case ed25519.PrivateKey:
		allowed = []jose.SignatureAlgorithm{jose.EdDSA}
	default:
		return "", fmt.Errorf("dpop: unsupported key type %T (an ECDSA, RSA or Ed25519 private key)", priv)
	}
	if alg == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if string(a) == alg {
			return a, nil
		}
	}
	return "", fmt.Errorf("dpop: algorithm %q does not fit the key", alg)
}

// Thumbprint returns the public key's JWK SHA-256 thumbprint (RFC 7638),
// base64url: the jkt of RFC 9449 (dpop_jkt, cnf.jkt).
func (k *Key) Thumbprint() string { return k.jkt }

// Algorithm returns the proofs' JWS algorithm.
func (k *Key) Algorithm() string { return string(k.alg) }

// CheckAlgorithm returns an error wrapping [ErrAlgorithm] when supported,
// a server's dpop_signing_alg_values_supported (RFC 9449 §5.1), does not
// hold the key's algorithm; nil when it does or is empty (not published:
// the server says nothing, and its answer will).
func (k *Key) CheckAlgorithm(supported []string) error {
	if len(supported) == 0 || slices.Contains(supported, string(k.alg)) {
		return nil
	}
	return fmt.Errorf("%w: %s is not in dpop_signing_alg_values_supported %q", ErrAlgorithm, k.alg, supported)
}

// claims are a proof's claims (RFC 9449 §4.2).
type claims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	Nonce string `json:"nonce,omitempty"`
	ATH   string `json:"ath,omitempty"`
}

// Proof returns a fresh proof for a request of method to target, at now,
// with the server's nonce ("" for none) and, for a request to a resource
// server, the access token it carries (its hash goes into ath; "" for a
// token request). htu is target without query and fragment (RFC 9449 §4.2).
func (k *Key) Proof(method, target, nonce, accessToken string, now time.Time) (string, error) {
	htu, err := HTU(target)
	if err != nil {
		return "", err
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("dpop: jti: %w", err)
	}
	c := claims{JTI: base64.RawURLEncoding.EncodeToString(jti[:]), HTM: method, HTU: htu, IAT: now.Unix(), Nonce: nonce}
	if accessToken != "" {
		c.ATH = ATH(accessToken)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", errors.New("dpop: proof claims do not marshal")
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("dpop: sign proof: %w", err)
	}
	return jws.CompactSerialize()
}

// ATH is the ath of a proof sent with accessToken: base64url of its
// SHA-256 (RFC 9449 §4.2).
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// HTU is target as a proof's htu: without query and fragment (RFC 9449
// §4.2), the scheme and host lower case (RFC 3986 §6.2.2.1).
func HTU(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("dpop: the request URL is not absolute")
	}
	v := url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host), Path: u.Path, RawPath: u.RawPath}
	return v.String(), nil
}

// Origin is target's scheme and host: with the [Server] role, the key of
// [Nonces].
func Origin(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
