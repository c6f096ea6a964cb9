package openidtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// logoutTokenLifetime is how long the fake's logout tokens live.
const logoutTokenLifetime = 2 * time.Minute

// EndedSession is one RP-Initiated Logout the server accepted.
type EndedSession struct {
	ClientID string
	Subject  string // from the id_token_hint; "" without one
	SID      string
}

// EndedSessions returns the RP-Initiated Logouts the server accepted.
func (s *Server) EndedSessions() []EndedSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.endedLogin)
}

// endSession is the end_session_endpoint (OpenID Connect RP-Initiated
// Logout 1.0 §2-§3): id_token_hint, when given, must be an ID token this
// server signed for client_id (an expired one is accepted, §4);
// post_logout_redirect_uri must be registered for the client exactly, and
// the browser goes back there with state.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, "request does not parse")
		return
	}
	q := r.Form
	clientID := q.Get("client_id")
	var ended EndedSession
	if hint := q.Get("id_token_hint"); hint != "" {
		claims, ok := s.verifyOwnToken(hint)
		if !ok {
			errorPage(w, "id_token_hint is not an ID token of this server")
			return
		}
		aud, _ := claims["aud"].(string)
		if clientID == "" {
			clientID = aud
		}
		if aud != clientID {
			errorPage(w, "id_token_hint was issued to another client")
			return
		}
		ended.Subject, _ = claims["sub"].(string)
		ended.SID, _ = claims["sid"].(string)
	}
	s.mu.Lock()
	c, known := s.clients[clientID]
	s.mu.Unlock()
	redirect := q.Get("post_logout_redirect_uri")
	switch {
	case redirect != "" && !known:
		errorPage(w, "post_logout_redirect_uri needs client_id or id_token_hint")
		return
	case redirect != "" && !slices.Contains(c.PostLogoutRedirectURLs, redirect):
		errorPage(w, "post_logout_redirect_uri is not registered for the client")
		return
	}
	ended.ClientID = clientID
	s.mu.Lock()
	s.endedLogin = append(s.endedLogin, ended)
	s.mu.Unlock()
	if redirect == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html><body><h1>You are signed out</h1></body></html>"))
		return
	}
	u, _ := url.Parse(redirect)
	rq := u.Query()
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// verifyOwnToken checks that raw was signed by one of the server's keys
// and was issued by it, and returns its claims; expiry is not checked.
func (s *Server) verifyOwnToken(raw string) (map[string]any, bool) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 {
		return nil, false
	}
	s.mu.Lock()
	keys := slices.Clone(s.keys)
	s.mu.Unlock()
	for _, k := range keys {
		if k.ID != tok.Headers[0].KeyID {
			continue
		}
		var claims map[string]any
		if tok.Claims(&k.Private.PublicKey, &claims) == nil && claims["iss"] == s.Issuer() {
			return claims, true
		}
	}
	return nil, false
}

// LogoutToken returns a signed back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0 §2.4) for clientID: JOSE typ logout+jwt; iss,
// aud, iat, exp (two minutes), a fresh jti, sub and sid (either may be
// ""), and the back-channel logout event.
func (s *Server) LogoutToken(clientID, sub, sid string) string {
	now := s.now.Now()
	c := map[string]any{
		"iss": s.Issuer(), "aud": clientID, "iat": now.Unix(), "exp": now.Add(logoutTokenLifetime).Unix(),
		"jti":    fakeidp.Random(16),
		"events": map[string]any{oauthkit.BackchannelLogoutEvent: map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	return s.signingKey().SignTyped("logout+jwt", c)
}

// BackchannelLogout delivers logoutToken to a client's back-channel logout
// URL as §2.5 says: a POST of the form logout_token=…, with the server's
// HTTP client and ctx. A 200 or 204 is success; any other status is an
// error naming it, never the token.
func (s *Server) BackchannelLogout(ctx context.Context, backchannelURL, logoutToken string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backchannelURL,
		strings.NewReader(url.Values{"logout_token": {logoutToken}}.Encode()))
	if err != nil {
		return fmt.Errorf("openidtest: back-channel logout: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client().Do(req)
	if err != nil {
		return fmt.Errorf("openidtest: back-channel logout: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("openidtest: back-channel logout: HTTP %d", resp.StatusCode)
	}
	return nil
}
