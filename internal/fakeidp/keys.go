package fakeidp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
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
