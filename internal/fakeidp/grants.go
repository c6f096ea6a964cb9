package fakeidp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// Random returns n random bytes, base64url.
func Random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CodeGrant is what an authorization code stands for.
type CodeGrant struct {
	ClientID      string
	RedirectURI   string
	Subject       string
	Scope         string
	Nonce         string
	Challenge     string
	ChallengeMode string // "S256" or "plain"
	Extra         map[string]string
	Expires       time.Time
}

// Codes stores single-use authorization codes.
type Codes struct {
	mu    sync.Mutex
	codes map[string]CodeGrant
}

// Issue stores g and returns a fresh code for it.
func (c *Codes) Issue(g CodeGrant) string {
	code := Random(24)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[string]CodeGrant{}
	}
	c.codes[code] = g
	return code
}

// Errors of Redeem.
var (
	ErrUnknownCode = errors.New("unknown or already used code")
	ErrExpiredCode = errors.New("code has expired")
)

// Redeem returns the grant of code and forgets it: a code works once, and a
// second attempt fails even if the first did.
func (c *Codes) Redeem(code string, now time.Time) (CodeGrant, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.codes[code]
	if !ok {
		return CodeGrant{}, ErrUnknownCode
	}
	delete(c.codes, code)
	if now.After(g.Expires) {
		return CodeGrant{}, ErrExpiredCode
	}
	return g, nil
}

// VerifyPKCE checks a code_verifier against the grant's challenge (RFC 7636
// §4.6). A grant without a challenge accepts any verifier, as servers that
// ignore PKCE do.
func (g CodeGrant) VerifyPKCE(verifier string) bool {
	if g.Challenge == "" {
		return true
	}
	got := verifier
	if g.ChallengeMode != "plain" {
		sum := sha256.Sum256([]byte(verifier))
		got = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return verifier != "" && subtle.ConstantTimeCompare([]byte(got), []byte(g.Challenge)) == 1
}

// Issued is an access or refresh token the fake handed out.
type Issued struct {
	ClientID string
	Subject  string
	Scope    string
	Expires  time.Time // zero: no expiry
	Extra    map[string]string
}

// Tokens stores the tokens a fake issued, so its resource endpoints can check
// them and its refresh grant can rotate them.
type Tokens struct {
	mu     sync.Mutex
	tokens map[string]Issued
}

// Issue stores t and returns a fresh token value for it.
func (s *Tokens) Issue(t Issued) string {
	tok := Random(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]Issued{}
	}
	s.tokens[tok] = t
	return tok
}

// Lookup returns the token's record if it exists and has not expired.
func (s *Tokens) Lookup(tok string, now time.Time) (Issued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	if !ok || (!t.Expires.IsZero() && !now.Before(t.Expires)) {
		return Issued{}, false
	}
	return t, true
}

// Revoke forgets tok, returning its record if it was valid.
func (s *Tokens) Revoke(tok string, now time.Time) (Issued, bool) {
	t, ok := s.Lookup(tok, now)
	s.mu.Lock()
	delete(s.tokens, tok)
	s.mu.Unlock()
	return t, ok
}
