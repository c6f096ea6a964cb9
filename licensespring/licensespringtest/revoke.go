package licensespringtest

import (
	"net/http"
	"slices"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Revocation is one revocation request the realm accepted (RFC 7009 §2.1).
// It names what was revoked, never the token.
type Revocation struct {
	ClientID string
	Hint     string // token_type_hint as sent; "" for none
	// Revoked is what the token was: "refresh_token", "access_token", or ""
	// for a token the realm did not know (still a success, RFC 7009 §2.2).
	Revoked string
}

// revoke is the realm's revocation endpoint
// ({issuer}/protocol/openid-connect/revoke), for the public client: POST, a
// form body with token, optional token_type_hint and client_id, each once.
// A refresh token is forgotten, so that a later refresh with it fails with
// invalid_grant; an access token likewise. A token the realm does not know is
// a success (RFC 7009 §2.2).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	if r.URL.Query().Has("token") {
		// RFC 7009 §2.1: the token travels in the body.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "token in the URL")
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if len(vs) > 1 {
			fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "duplicated parameter "+k)
			return
		}
	}
	if f.Get("client_id") != s.opts.ClientID || r.Header.Get("Authorization") != "" {
		// The realm's client is public: client_id in the form, and
		// nothing in an Authorization header.
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	token, hint := f.Get("token"), f.Get("token_type_hint")
	switch {
	case token == "":
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "Token not provided.")
		return
	case hint != "" && hint != "refresh_token" && hint != "access_token":
		// RFC 7009 §2.2.1.
		fakeidp.OAuthError(w, http.StatusBadRequest, "unsupported_token_type", "Unsupported token type")
		return
	}
	now := s.now.Now()
	rec := Revocation{ClientID: s.opts.ClientID, Hint: hint}
	for _, kind := range []struct {
		name   string
		tokens *fakeidp.Tokens
	}{{"refresh_token", &s.refresh}, {"access_token", &s.access}} {
		t, ok := kind.tokens.Lookup(token, now)
		if !ok {
			continue
		}
		if t.ClientID != s.opts.ClientID {
			// RFC 7009 §2.1: only the client the token was issued to.
			fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "Unmatching clients")
			return
		}
		kind.tokens.Revoke(token, now)
		rec.Revoked = kind.name
		break
	}
	s.mu.Lock()
	s.revocations = append(s.revocations, rec)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// Revocations returns the revocation requests the realm accepted.
func (s *Server) Revocations() []Revocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revocations)
}
