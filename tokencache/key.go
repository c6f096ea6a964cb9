package tokencache

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
)

// KeyParts names what a token is for. Two requests that would get different
// tokens must differ in some part.
type KeyParts struct {
	Vendor   string // e.g. "webuntis"
	Endpoint string // token endpoint URL
	Tenant   string // school, realm, account…
	ClientID string
	Flow     string   // e.g. "client_credentials", "refresh_token"
	Scopes   []string // order and duplicates do not matter; "a b" equals "a", "b"

	// User names whose token it is, for tokens of a user's login (a
	// [Cache.RefreshingSource]). It enters the key only through the hash,
	// so that user ids and emails do not show in logs or a shared Store.
	User string

	// Credential is the secret the token is obtained with (client secret,
	// password, refresh token). Only a short keyed hash of it enters the
	// key, so that rotating it does not serve the old credential's token.
	Credential string

	// HashKey, if set, is the secret that keys the hash, overriding
	// [Config.KeySecret] in [Cache.Key]. Use at least 16 random bytes, the
	// same on every replica that shares a Store, kept out of the Store.
	// Empty: [Cache.Key] takes the Cache's [Config.KeySecret]; [Key] takes
	// a random key of this process.
	HashKey []byte
}

// keyVersion starts every key, so the format can change without collisions.
const keyVersion = "v1"

// minKeySecret is the length a configured key secret must have at least.
const minKeySecret = 16

// processHashKey keys the hash when neither KeyParts.HashKey nor
// Config.KeySecret is set: 32 bytes from crypto/rand, drawn once per
// process, never stored or printed. Keys leave the process (debug logs,
// OnError, Metrics) and a credential enters them: keyed by a public
// constant, as the hash once was, a key was an offline oracle for the
// credential (a weak password fell to a five-word list). Keyed by this, a
// key means nothing outside the process that made it, and no other
// process, replica or restart reproduces it.
var processHashKey = newHashKey()

func newHashKey() []byte {
	k := make([]byte, 32)
	rand.Read(k) // never fails (crypto/rand's Read panics rather than return an error)
	return k
}

// ErrKeySecretRequired is the error of [Cache.Key] for a Cache with a
// [Store] but no [Config.KeySecret] (nor a [KeyParts.HashKey]): its keys
// would be hashed with a key of this process alone, so replicas sharing the
// Store would never find each other's tokens.
var ErrKeySecretRequired = errors.New("tokencache: a Cache with a Store needs Config.KeySecret, the same on every replica sharing the Store")

// ErrKeySecretTooShort is the error of [Cache.Key] for a key secret shorter
// than 16 bytes, which a word list could guess.
var ErrKeySecretTooShort = errors.New("tokencache: key secret shorter than 16 bytes")

// Key returns the key of p for c: [Key] of p hashed with p.HashKey, else
// with [Config.KeySecret], else, for a Cache without a [Store], with the
// random key of this process (see [Key]).
//
// The rule for a Store: replicas that share one must compute the same key
// for the same KeyParts, so the hash needs a secret they all hold, and a
// Cache with a Store and no secret refuses ([ErrKeySecretRequired]) rather
// than fall back to the key of its process and silently stop sharing
// tokens. A secret shorter than 16 bytes is refused too
// ([ErrKeySecretTooShort]). The errors hold no secret.
//
// Cache.Key costs what Key costs (an HMAC): build a tenant's key once, not
// per request.
func (c *Cache) Key(p KeyParts) (string, error) {
	secret := p.HashKey
	if len(secret) == 0 {
		secret = c.keySecret
	}
	switch {
	case len(secret) == 0 && c.store != nil:
		return "", ErrKeySecretRequired
	case len(secret) == 0:
		secret = processHashKey
	case len(secret) < minKeySecret:
		return "", ErrKeySecretTooShort
	}
	return key(&p, secret), nil
}

// Key builds a cache key from p: "v1|vendor|tenant|client|flow|hash".
// Vendor, tenant, client id and flow stay readable (for logs, hooks and a
// shared Store); the endpoint, the user, the scopes (sorted and
// deduplicated) and the credential enter only through the hash, a 96-bit
// HMAC-SHA-256 over an unambiguous encoding of every part. Within a
// readable part "%", "|", ",", spaces and control characters are
// percent-encoded, so no two different KeyParts give the same key. The
// credential never appears in it.
//
// The HMAC is keyed by p.HashKey or, when that is empty, by a random key
// drawn once per process, so that a key seen in a log or a hook cannot be
// used to test guesses of the credential offline: the same KeyParts give
// another key in another process. A Cache with a [Store] shared by replicas
// needs keys every replica computes alike: build them with [Cache.Key],
// which takes the secret from [Config.KeySecret] and refuses to work
// without one, or set p.HashKey.
//
// Keys are short on purpose (about 60 bytes for a WebUntis school): a hit
// hashes the key, and at 10,000 keys every cache line a key spans is a
// likely cache miss.
//
// Key costs about two microseconds (an HMAC): build a tenant's key once, not
// per request.
func Key(p KeyParts) string {
	if len(p.HashKey) > 0 {
		return key(&p, p.HashKey)
	}
	return key(&p, processHashKey)
}

// key is [Key] of p with the hash keyed by hashKey.
func key(p *KeyParts, hashKey []byte) string {
	var scopes []string
	for _, s := range p.Scopes {
		scopes = append(scopes, strings.Fields(s)...)
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)

	var b strings.Builder
	b.Grow(len(keyVersion) + len(p.Vendor) + len(p.Tenant) + len(p.ClientID) + len(p.Flow) + 5 + 16)
	b.WriteString(keyVersion)
	for _, part := range []string{p.Vendor, p.Tenant, p.ClientID, p.Flow} {
		b.WriteByte('|')
		escape(&b, part)
	}
	b.WriteByte('|')

	// The readable prefix, then the hidden parts, each escaped and
	// terminated, then the credential: no two KeyParts hash the same input.
	var hidden strings.Builder
	hidden.WriteString(b.String())
	escape(&hidden, p.Endpoint)
	hidden.WriteByte('|')
	escape(&hidden, p.User)
	hidden.WriteByte('|')
	for _, s := range scopes {
		escape(&hidden, s)
		hidden.WriteByte(',')
	}
	hidden.WriteByte('|')
	mac := hmac.New(sha256.New, hashKey)
	mac.Write([]byte(hidden.String()))
	mac.Write([]byte(p.Credential))
	b.WriteString(base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12]))
	return b.String()
}

// escape writes s to b with "%", the separators, spaces and control
// characters percent-encoded.
func escape(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' || c == '|' || c == ',' || c <= ' ' || c == 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}
