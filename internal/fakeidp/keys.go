package fakeidp

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"
)

// Key is an RSA signing key with its key id.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

var (
	sharedOnce sync.Once
	sharedKey  *Key
)

// SharedKey returns one process-wide signing key, so that starting many fakes
// in a test run does not generate many RSA keys.
func SharedKey() *Key {
	sharedOnce.Do(func() { sharedKey = NewKey("fake-1") })
	return sharedKey
}

// NewKey generates a 2048-bit RSA key.
func NewKey(id string) *Key {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("fakeidp: generating RSA key: " + err.Error())
	}
	return &Key{ID: id, Private: priv}
}

// Sign returns claims as a compact RS256 JWT with this key's id in the header.
func (k *Key) Sign(claims map[string]any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("fakeidp: claims do not marshal: " + err.Error())
	}
	return oidctest.SignIDToken(k.Private, k.ID, oidc.RS256, string(payload))
}

// SignTyped returns claims as a compact RS256 JWT whose header names this
// key's id and typ (RFC 7515 §4.1.9; "logout+jwt" for a logout token, "JWT"
// for an ID token as many servers type them).
func (k *Key) SignTyped(typ string, claims map[string]any) string {
	header, err := json.Marshal(map[string]string{"alg": oidc.RS256, "kid": k.ID, "typ": typ})
	if err != nil {
		panic("fakeidp: header does not marshal: " + err.Error())
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("fakeidp: claims do not marshal: " + err.Error())
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Private, crypto.SHA256, sum[:])
	if err != nil {
		panic("fakeidp: signing: " + err.Error())
	}
	return signing + "." + enc.EncodeToString(sig)
}

// JWKS returns the JSON Web Key Set (RFC 7517 §5) publishing the public keys.
func JWKS(keys ...*Key) []byte {
	type jwk struct {
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		pub := k.Private.PublicKey
		set.Keys = append(set.Keys, jwk{
			Kty: "RSA", Use: "sig", Alg: oidc.RS256, Kid: k.ID,
			N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	b, _ := json.Marshal(set)
	return b
}

// Unsigned returns claims as a JWT with "alg":"none" and an empty signature
// (RFC 7519 §6): a token no verifier may accept.
func (k *Key) Unsigned(claims map[string]any) string {
	return jwtWithHMAC(`{"alg":"none","kid":"`+k.ID+`"}`, claims, nil)
}

// HMACWithPublicKey returns claims signed HS256 with this key's public key
// (its PKIX DER and PEM forms are what an algorithm-confusion attack uses as
// the HMAC secret): a token no verifier of RS256 keys may accept.
func (k *Key) HMACWithPublicKey(claims map[string]any, asPEM bool) string {
	der, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil {
		panic("fakeidp: marshalling public key: " + err.Error())
	}
	secret := der
	if asPEM {
		secret = pemEncode(der)
	}
	return jwtWithHMAC(`{"alg":"HS256","typ":"JWT","kid":"`+k.ID+`"}`, claims, secret)
}

func jwtWithHMAC(header string, claims map[string]any, secret []byte) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("fakeidp: claims do not marshal: " + err.Error())
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload)
	if secret == nil {
		return signing + "."
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func pemEncode(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
