package openidtest

import (
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// grant is what a family of tokens stands for: one login (or one client
// credentials grant), its refresh tokens rotating, every token of it
// revoked together when a used refresh token comes back (RFC 9700
// §4.14.2) or the code is replayed (RFC 6749 §4.1.2).
type grant struct {
	clientID string
	subject  string
	scope    string
	sid      string
	revoked  bool
}

// issued is one access or refresh token.
type issued struct {
	family  int
	refresh bool
	expires time.Time
	used    bool // a refresh token already exchanged
	revoked bool
	issued  time.Time
	jti     string
	jkt     string // the DPoP key the token is bound to; "" for Bearer
}

// tokenStore holds the fake's tokens; the Server's mutex guards it.
type tokenStore struct {
	grants []*grant
	tokens map[string]*issued
	codes  map[string]int // redeemed code → family, to revoke it on replay
}

func (t *tokenStore) init() {
	t.tokens = map[string]*issued{}
	t.codes = map[string]int{}
}

// newFamily starts a grant and returns its number.
func (t *tokenStore) newFamily(g grant) int {
	t.grants = append(t.grants, &g)
	return len(t.grants) - 1
}

// issue makes a token of family.
func (t *tokenStore) issue(family int, refresh bool, now time.Time, life time.Duration) string {
	v := fakeidp.Random(32)
	t.tokens[v] = &issued{family: family, refresh: refresh, issued: now, expires: now.Add(life), jti: fakeidp.Random(12)}
	return v
}

// active returns the token and its grant if it is valid at now.
func (t *tokenStore) active(v string, now time.Time) (*issued, *grant, bool) {
	tok, ok := t.tokens[v]
	if !ok {
		return nil, nil, false
	}
	g := t.grants[tok.family]
	if tok.revoked || tok.used || g.revoked || !now.Before(tok.expires) {
		return tok, g, false
	}
	return tok, g, true
}

// revokeFamily revokes every token of family.
func (t *tokenStore) revokeFamily(family int) {
	t.grants[family].revoked = true
}
