package openidtest

import (
	"net/http"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// revoke is the revocation endpoint (RFC 7009 §2): the client's
// authentication, then token. Revoking a refresh token revokes its whole
// grant (§2.1); an access token, itself. An unknown token is not an error
// (§2.2); another client's token is refused.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	c, aerr := s.authenticateClient(r)
	if aerr != nil {
		writeAuthError(w, aerr)
		return
	}
	v := r.PostForm.Get("token")
	if v == "" {
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	switch r.PostForm.Get("token_type_hint") {
	case "", "access_token", "refresh_token":
	default:
		fakeidp.OAuthError(w, http.StatusBadRequest, "unsupported_token_type", "token_type_hint is not supported")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens.tokens[v]
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	g := s.tokens.grants[tok.family]
	if g.clientID != c.ID {
		fakeidp.OAuthError(w, http.StatusBadRequest, "unauthorized_client", "the token was issued to another client")
		return
	}
	if tok.refresh {
		s.tokens.revokeFamily(tok.family)
	} else {
		tok.revoked = true
	}
	w.WriteHeader(http.StatusOK)
}

// introspect is the introspection endpoint (RFC 7662 §2): any
// authenticated confidential client (a resource server) may ask; an
// inactive token answers {"active": false} alone.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	c, aerr := s.authenticateClient(r)
	if aerr != nil {
		writeAuthError(w, aerr)
		return
	}
	if c.AuthMethod == "none" {
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "a public client cannot introspect")
		return
	}
	v := r.PostForm.Get("token")
	if v == "" {
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	s.mu.Lock()
	tok, g, active := s.tokens.active(v, s.now.Now())
	s.mu.Unlock()
	if !active {
		fakeidp.WriteJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	typ := "access_token"
	if tok.refresh {
		typ = "refresh_token"
	}
	body := map[string]any{
		"active": true, "client_id": g.clientID, "sub": g.subject, "iss": s.Issuer(), "aud": g.clientID,
		"exp": tok.expires.Unix(), "iat": tok.issued.Unix(), "jti": tok.jti, "token_type": "Bearer",
		"token_use": typ,
	}
	if sc := strings.TrimSpace(g.scope); sc != "" {
		body["scope"] = sc
	}
	if tok.jkt != "" {
		body["token_type"] = "DPoP"
		body["cnf"] = map[string]any{"jkt": tok.jkt} // RFC 9449 §6.2
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}
