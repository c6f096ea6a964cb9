package authreq

// The unguessable values of an authorization request — state, nonce and PKCE
// verifier — from crypto/rand, by each vendor's rules.

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/oauth2"
)

// State returns a fresh state: 32 random bytes, base64url (43 characters).
func State() string { return token() }

// Nonce returns a fresh OpenID Connect nonce, built like State.
func Nonce() string { return token() }

func token() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Method is a PKCE code_challenge_method (RFC 7636 §4.3).
type Method string

const (
	S256  Method = "S256"
	Plain Method = "plain"
)

// PKCE is a vendor's rule for PKCE verifiers.
type PKCE struct {
	Method   Method
	Alphabet string // empty: x/oauth2's verifier (32 bytes, base64url, 43 chars)
	Length   int    // with Alphabet: the verifier's length
}

// DefaultPKCE is RFC 7636's recommendation: S256 over x/oauth2's verifier.
var DefaultPKCE = PKCE{Method: S256}

// Alphanumeric holds only letters and digits, for vendors (UniSignIn) that
// refuse the RFC 7636 unreserved characters - . _ ~.
const Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Verifier returns a fresh verifier and its challenge.
func (p PKCE) Verifier() (verifier, challenge string) {
	if p.Alphabet == "" {
		verifier = oauth2.GenerateVerifier()
	} else {
		verifier = randomString(p.Alphabet, p.Length)
	}
	return verifier, p.Challenge(verifier)
}

// Challenge derives the code_challenge for verifier.
func (p PKCE) Challenge(verifier string) string {
	if p.Method == Plain {
		return verifier
	}
	return oauth2.S256ChallengeFromVerifier(verifier)
}

// randomString draws n characters uniformly from alphabet, rejecting bytes
// that would bias the draw.
func randomString(alphabet string, n int) string {
	if len(alphabet) == 0 || len(alphabet) > 256 || n <= 0 {
		panic(fmt.Sprintf("authreq: bad alphabet (%d) or length (%d)", len(alphabet), n))
	}
	limit := 256 - 256%len(alphabet) // bytes >= limit would favour the first characters
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails (crypto/rand, Go 1.24+)
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}
