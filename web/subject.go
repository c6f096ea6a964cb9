package web

import (
	"context"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// ErrSubjectChanged: a refresh answered with an ID token for another user
// than the session's (OpenID Connect Core §12.2 has its sub be the
// login's). The session is ended and the answer's refresh token revoked;
// it wraps [ErrNotLoggedIn], so [oauthkit.NeedsLogin] is true.
var ErrSubjectChanged = fmt.Errorf("web: the refreshed ID token names another user than the session's: %w", ErrNotLoggedIn)

// anyAlg is every JWS algorithm: sameSubject reads a claim, it does not
// verify a signature (the provider did, or the token is refused anyway).
var anyAlg = []jose.SignatureAlgorithm{
	jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512,
}

// sameSubject reports whether the ID token rawIDToken names sub. Its
// claims are read without checking its signature, which is the provider's
// to verify (every provider of this module does, in Refresh): the answer
// only ever refuses a token, it never makes one trusted.
func sameSubject(rawIDToken, sub string) bool {
	t, err := jwt.ParseSigned(rawIDToken, anyAlg)
	if err != nil {
		return false
	}
	var c jwt.Claims
	if err := t.UnsafeClaimsWithoutVerification(&c); err != nil {
		return false
	}
	return c.Subject != "" && c.Subject == sub
}

// endForSubject ends session s, whose refresh answered another user's
// tokens: the stored tokens go, and the answer's refresh token (refresh,
// the other user's) is revoked. The returned error is [ErrSubjectChanged].
func (h *Handler) endForSubject(ctx context.Context, p oauthkit.Provider, s *Session, refresh string) error {
	h.log.Warn("web: a refresh answered another user's ID token; the session is ended", "provider", s.Provider, "tenant", s.Tenant, "subject", s.Subject)
	if err := h.tokens.Delete(ctx, s.ID); err != nil {
		h.log.Error("web: token store: the session could not be ended", "provider", s.Provider, "err", err)
	}
	h.revokeToken(ctx, p, s, refresh)
	return fmt.Errorf("web: %s: refresh: %w", p.Name(), ErrSubjectChanged)
}
