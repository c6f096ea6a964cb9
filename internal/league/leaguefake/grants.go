package leaguefake

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// authorizationCode is AuthCodeGrant::respondToAccessTokenRequest.
func (s *Server) authorizationCode(w http.ResponseWriter, c Client, form url.Values) *Error {
	code := form.Get("code")
	if code == "" {
		return InvalidRequest("code", "")
	}
	now := s.Now.Now()
	g, err := s.codes.Redeem(code, now)
	s.mu.Lock()
	used := s.used[code]
	if s.used == nil {
		s.used = map[string]bool{}
	}
	s.used[code] = true
	s.mu.Unlock()
	switch {
	case errors.Is(err, fakeidp.ErrExpiredCode):
		return s.Version.CodeRejected("Authorization code has expired")
	case err != nil && used:
		return s.Version.CodeRejected("Authorization code has been revoked")
	case err != nil:
		return InvalidRequest("code", "Cannot decrypt the authorization code")
	case g.ClientID != c.ID:
		return s.Version.CodeRejected("Authorization code was not issued to this client")
	}
	// The redirect URI is required when the authorization request had one.
	if g.RedirectURI != "" {
		switch got := form.Get("redirect_uri"); {
		case !form.Has("redirect_uri"):
			return InvalidRequest("redirect_uri", "")
		case got != g.RedirectURI:
			return InvalidRequest("redirect_uri", "Invalid redirect URI")
		}
	}
	verifier := form.Get("code_verifier")
	switch {
	case g.Challenge != "" && verifier == "":
		return InvalidRequest("code_verifier", "")
	case g.Challenge != "" && !rfc7636.MatchString(verifier):
		return InvalidRequest("code_verifier", "Code Verifier must follow the specifications of RFC-7636.")
	case g.Challenge != "":
		if e := s.rule("code_verifier", verifier); e != nil {
			return e
		}
		if !g.VerifyPKCE(verifier) {
			return InvalidGrant("Failed to verify `code_verifier`.")
		}
	case verifier != "" && s.Version >= V9:
		// league 9 refuses a verifier for a code issued without a challenge
		// (a PKCE downgrade).
		return InvalidRequest("code_challenge", "code_verifier received when no code_challenge is present")
	}
	s.issue(w, c.ID, g.Subject, g.Scope, true, s.ttl(s.AccessTTL, time.Hour))
	return nil
}

// refreshToken is RefreshTokenGrant: validateOldRefreshToken, then the old
// access and refresh tokens are revoked and a new pair issued.
func (s *Server) refreshToken(w http.ResponseWriter, c Client, form url.Values) *Error {
	old := form.Get("refresh_token")
	if old == "" {
		return InvalidRequest("refresh_token", "")
	}
	now := s.Now.Now()
	s.mu.Lock()
	rec, ok := s.refresh[old]
	var e *Error
	switch {
	case !ok:
		e = s.Version.InvalidRefreshToken("Cannot decrypt the refresh token")
	case rec.clientID != c.ID:
		e = s.Version.InvalidRefreshToken("Token is not linked to client")
	case !now.Before(rec.expires):
		e = s.ExpiredRefresh
		if e == nil {
			e = s.Version.InvalidRefreshToken("Token has expired")
		}
	case rec.revoked:
		e = s.Version.InvalidRefreshToken("Token has been revoked")
	}
	if e == nil {
		e = s.checkScopes(form.Get("scope"), strings.Fields(rec.scope))
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	rec.revoked = true
	subject, scope, access := rec.subject, rec.scope, rec.access
	if sc := form.Get("scope"); sc != "" {
		scope = sc
	}
	s.mu.Unlock()
	s.access.Revoke(access, now)
	s.issue(w, c.ID, subject, scope, true, s.ttl(s.AccessTTL, time.Hour))
	return nil
}

// password is PasswordGrant::validateUser.
func (s *Server) password(w http.ResponseWriter, c Client, form url.Values) *Error {
	switch {
	case form.Get("username") == "":
		return InvalidRequest("username", "")
	case form.Get("password") == "":
		return InvalidRequest("password", "")
	}
	if e := s.checkScopes(form.Get("scope"), nil); e != nil {
		return e
	}
	if s.Authenticate == nil {
		return s.Version.UnsupportedGrantType()
	}
	subject, ok := s.Authenticate(form.Get("username"), form.Get("password"))
	if !ok {
		return s.Version.InvalidCredentials()
	}
	s.issue(w, c.ID, subject, form.Get("scope"), true, s.ttl(s.AccessTTL, time.Hour))
	return nil
}

// clientCredentials is ClientCredentialsGrant: confidential clients only
// (league ≥ 8), no refresh token.
func (s *Server) clientCredentials(w http.ResponseWriter, c Client, form url.Values) *Error {
	if !c.Confidential() {
		return InvalidClient()
	}
	if e := s.checkScopes(form.Get("scope"), nil); e != nil {
		return e
	}
	s.issue(w, c.ID, "", form.Get("scope"), false, s.ttl(s.ClientCredentialsTTL, s.ttl(s.AccessTTL, time.Hour)))
	return nil
}

// issue answers with a new access token and, when withRefresh, a refresh
// token bound to it (BearerTokenResponse).
func (s *Server) issue(w http.ResponseWriter, clientID, subject, scope string, withRefresh bool, ttl time.Duration) {
	now := s.Now.Now()
	access := s.access.Issue(fakeidp.Issued{ClientID: clientID, Subject: subject, Scope: scope, Expires: now.Add(ttl)})
	body := map[string]any{
		"token_type":   "Bearer",
		"expires_in":   int64(ttl / time.Second),
		"access_token": access,
	}
	if withRefresh {
		refresh := fakeidp.Random(48)
		refreshTTL := now.AddDate(0, 1, 0) // P1M
		if s.RefreshTTL > 0 {
			refreshTTL = now.Add(s.RefreshTTL)
		}
		s.mu.Lock()
		if s.refresh == nil {
			s.refresh = map[string]*refreshRecord{}
		}
		s.refresh[refresh] = &refreshRecord{clientID: clientID, subject: subject, scope: scope, access: access, expires: refreshTTL}
		s.mu.Unlock()
		body["refresh_token"] = refresh
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}
