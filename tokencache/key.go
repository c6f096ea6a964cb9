package tokencache

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

	// HashKey, if set, is a secret of your deployment that keys the
	// credential's hash, so that a key seen in a log or a shared Store
	// cannot be used to guess a weak credential offline. All replicas
	// sharing a Store must use the same HashKey.
	HashKey []byte
}

// keyVersion starts every key, so the format can change without collisions.
const keyVersion = "v1"

// defaultHashKey keys the credential hash when KeyParts.HashKey is empty.
var defaultHashKey = []byte("oauthkit/tokencache/key/v1")

// Key builds a cache key from p: "v1|vendor|tenant|client|flow|hash".
// Vendor, tenant, client id and flow stay readable (for logs, hooks and a
// shared Store); the endpoint, the user, the scopes (sorted and
// deduplicated) and the credential enter only through the hash, a 96-bit HMAC-SHA-256 keyed by
// HashKey over an unambiguous encoding of every part. Within a readable part
// "%", "|", ",", spaces and control characters are percent-encoded, so no two
// different KeyParts give the same key. The credential never appears in it.
//
// Keys are short on purpose (about 60 bytes for a WebUntis school): a hit
// hashes the key, and at 10,000 keys every cache line a key spans is a
// likely cache miss.
//
// Key costs about two microseconds (an HMAC): build a tenant's key once, not
// per request.
func Key(p KeyParts) string {
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

	hashKey := p.HashKey
	if len(hashKey) == 0 {
		hashKey = defaultHashKey
	}
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
