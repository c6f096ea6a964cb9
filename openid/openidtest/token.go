package openidtest

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// token is the token endpoint (RFC 6749 §3.2): the authorization code,
// refresh token and client credentials grants, each after the client's
// authentication.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	jkt, ok := s.tokenProof(w, r) // dpop.go
	if !ok {
		return
	}
	c, aerr := s.authenticateClient(r)
	if aerr != nil {
		writeAuthError(w, aerr)
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, c, f, jkt)
	case "refresh_token":
		s.refreshGrant(w, c, f, jkt)
	case "client_credentials":
		s.clientCredentialsGrant(w, c, f, jkt)
	case deviceGrantType:
		s.deviceGrant(w, c, f, jkt)
	default:
		fakeidp.OAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type is not supported")
	}
}

func invalidGrant(w http.ResponseWriter, desc string) {
	fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", desc)
}

// codeGrant redeems a code (RFC 6749 §4.1.3, RFC 7636 §4.6). A code sent a
// second time revokes every token issued for it (RFC 6749 §4.1.2).
func (s *Server) codeGrant(w http.ResponseWriter, c App, f url.Values, jkt string) {
	code := f.Get("code")
	now := s.now.Now()
	g, err := s.codes.Redeem(code, now)
	if err != nil {
		s.mu.Lock()
		if fam, replayed := s.tokens.codes[code]; replayed {
			s.tokens.revokeFamily(fam)
		}
		s.mu.Unlock()
		invalidGrant(w, "code is unknown, expired or used")
		return
	}
	switch {
	case g.ClientID != c.ID:
		invalidGrant(w, "code was issued to another client")
		return
	case f.Get("redirect_uri") != g.RedirectURI:
		invalidGrant(w, "redirect_uri differs from the authorization request's")
		return
	case !g.VerifyPKCE(f.Get("code_verifier")):
		invalidGrant(w, "PKCE verification failed")
		return
	case g.Extra["dpop_jkt"] != "" && g.Extra["dpop_jkt"] != jkt && !s.opts.DPoP.Ignore:
		// RFC 9449 §10: the code is bound to the dpop_jkt of its request.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "the proof's key is not the authorization request's dpop_jkt")
		return
	}
	s.mu.Lock()
	fam := s.tokens.newFamily(grant{clientID: c.ID, subject: g.Subject, scope: g.Scope, sid: g.Extra["sid"]})
	s.tokens.codes[code] = fam
	s.mu.Unlock()
	authTime, _ := strconv.ParseInt(g.Extra["auth_time"], 10, 64)
	s.issueTokens(w, fam, c, g.Subject, g.Scope, g.Nonce, g.Extra["sid"], g.Extra["acr"], time.Unix(authTime, 0), true, jkt)
}

// refreshGrant rotates a refresh token (RFC 6749 §6, RFC 9700 §4.14.2):
// the old one is spent, and a spent one sent again revokes its whole
// family.
func (s *Server) refreshGrant(w http.ResponseWriter, c App, f url.Values, jkt string) {
	now := s.now.Now()
	s.mu.Lock()
	tok, g, ok := s.tokens.active(f.Get("refresh_token"), now)
	switch {
	case tok == nil || !tok.refresh:
		s.mu.Unlock()
		invalidGrant(w, "refresh token is unknown")
		return
	case g.clientID != c.ID:
		s.mu.Unlock()
		invalidGrant(w, "refresh token was issued to another client")
		return
	case tok.used:
		s.tokens.revokeFamily(tok.family)
		s.mu.Unlock()
		invalidGrant(w, "refresh token was used before; its grant is revoked")
		return
	case !ok:
		s.mu.Unlock()
		invalidGrant(w, "refresh token is expired or revoked")
		return
	case tok.jkt != "" && tok.jkt != jkt:
		// RFC 9449 §5: a public client's refresh token is bound to its key.
		s.mu.Unlock()
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "the refresh token is bound to another key")
		return
	}
	tok.used = true
	fam, sub, scope, sid := tok.family, g.subject, g.scope, g.sid
	s.mu.Unlock()
	if req := f.Get("scope"); req != "" {
		for _, sc := range strings.Fields(req) {
			if !strings.Contains(" "+scope+" ", " "+sc+" ") {
				fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_scope", "scope exceeds the grant's")
				return
			}
		}
		scope = req
	}
	s.issueTokens(w, fam, c, sub, scope, "", sid, "", time.Time{}, true, jkt)
}

// clientCredentialsGrant issues a token to a confidential client (RFC 6749
// §4.4), with no refresh token.
func (s *Server) clientCredentialsGrant(w http.ResponseWriter, c App, f url.Values, jkt string) {
	if c.AuthMethod == openid.AuthNone {
		fakeidp.OAuthError(w, http.StatusBadRequest, "unauthorized_client", "a public client cannot use client credentials")
		return
	}
	s.mu.Lock()
	fam := s.tokens.newFamily(grant{clientID: c.ID, subject: c.ID, scope: f.Get("scope")})
	s.mu.Unlock()
	s.issueTokens(w, fam, c, c.ID, f.Get("scope"), "", "", "", time.Time{}, false, jkt)
}

// issueTokens answers with an access token, a refresh token (withRefresh)
// and, for openid scopes, an ID token; with jkt, a DPoP access token bound
// to that key (and, for a public client, a bound refresh token: RFC 9449
// §5).
func (s *Server) issueTokens(w http.ResponseWriter, fam int, c App, sub, scope, nonce, sid, acr string, authTime time.Time, withRefresh bool, jkt string) {
	now := s.now.Now()
	s.mu.Lock()
	access := s.tokens.issue(fam, false, now, accessTokenLifetime)
	body := map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLifetime.Seconds()),
	}
	if jkt != "" {
		s.tokens.tokens[access].jkt = jkt
		body["token_type"] = "DPoP"
	}
	if withRefresh {
		rt := s.tokens.issue(fam, true, now, refreshTokenLifetime)
		if c.AuthMethod == "none" {
			s.tokens.tokens[rt].jkt = jkt
		}
		body["refresh_token"] = rt
	}
	user, mutate := s.user, s.mutate
	s.mu.Unlock()
	if scope != "" {
		body["scope"] = scope
	}
	if strings.Contains(" "+scope+" ", " openid ") && sub != c.ID {
		claims := map[string]any{
			"iss": s.Issuer(), "sub": sub, "aud": c.ID, "azp": c.ID,
			"iat": now.Unix(), "exp": now.Add(accessTokenLifetime).Unix(),
			"at_hash": atHash(access),
		}
		if nonce != "" {
			claims["nonce"] = nonce
		}
		if sid != "" {
			claims["sid"] = sid
		}
		if acr != "" {
			claims["acr"] = acr
		}
		if !authTime.IsZero() {
			claims["auth_time"] = authTime.Unix()
		}
		if user.Subject == sub {
			addProfile(claims, user)
		}
		if mutate != nil {
			mutate(claims)
		}
		body["id_token"] = s.signIDToken(claims)
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}

// atHash is the at_hash of an RS256 ID token (OpenID Connect Core §3.1.3.6).
func atHash(access string) string {
	sum := sha256.Sum256([]byte(access))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// addProfile adds the user's email, name and extra claims.
func addProfile(claims map[string]any, u User) {
	if u.Email != "" {
		claims["email"] = u.Email
	}
	if u.Name != "" {
		claims["name"] = u.Name
	}
	for k, v := range u.Claims {
		if _, set := claims[k]; !set {
			claims[k] = v
		}
	}
}

// signIDToken signs with the current key, or, with the ForeignIDTokenKey
// mix-up, a key under its kid that the server does not publish.
func (s *Server) signIDToken(claims map[string]any) string {
	if s.mixUps().ForeignIDTokenKey {
		return foreign(s.signingKey().ID).SignTyped("JWT", claims)
	}
	return s.signingKey().SignTyped("JWT", claims)
}
