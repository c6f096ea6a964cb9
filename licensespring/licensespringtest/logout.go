package licensespringtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// logoutTokenLifetime is how long the fake's logout tokens live (its
// choice: delivery is immediate).
const logoutTokenLifetime = 2 * time.Minute

// A Flaw breaks a logout token in one way, for tests that it is refused
// (OpenID Connect Back-Channel Logout 1.0 §2.6).
type Flaw int

// The flaws [Server.BrokenLogoutToken] makes.
const (
	FlawWrongAudience      Flaw = iota + 1 // aud is another client
	FlawOtherIssuer                        // iss is another realm
	FlawExpired                            // exp has passed
	FlawIssuedLongAgo                      // iat an hour ago, exp still ahead
	FlawIssuedAhead                        // iat an hour ahead of the clock
	FlawNonce                              // carries a nonce claim, as an ID token does
	FlawNoEvents                           // no events claim
	FlawOtherEvent                         // events without the back-channel logout member
	FlawNoSubjectOrSession                 // neither sub nor sid
	FlawNoID                               // no jti
	FlawTypeAccessToken                    // JOSE typ "at+jwt", as on an access token (RFC 9068)
	FlawForeignKey                         // signed by a key the realm does not publish (same kid)
)

var (
	foreignOnce sync.Once
	foreignKey  *fakeidp.Key
)

// LogoutToken returns a signed logout token, as the realm sends to a
// client's back-channel logout URL when the session sid of user sub ends:
// JOSE typ logout+jwt (or [Options.LogoutTokenType]); iss, aud (the
// client), iat, exp (two minutes), a fresh jti, sub, sid and the
// back-channel logout event. Either of sub and sid may be "". The sid of a
// login is the sid claim of its ID token.
func (s *Server) LogoutToken(sub, sid string) string {
	return s.SignLogoutToken(s.logoutClaims(sub, sid))
}

// BrokenLogoutToken returns a logout token like [Server.LogoutToken] with
// flaw f, which a verifier must refuse.
func (s *Server) BrokenLogoutToken(sub, sid string, f Flaw) string {
	c := s.logoutClaims(sub, sid)
	now := s.now.Now()
	switch f {
	case FlawWrongAudience:
		c["aud"] = "another-client"
	case FlawOtherIssuer:
		c["iss"] = s.URL + "/realms/another-realm"
	case FlawExpired:
		c["iat"], c["exp"] = now.Add(-3*time.Minute).Unix(), now.Add(-time.Minute).Unix()
	case FlawIssuedLongAgo:
		c["iat"] = now.Add(-time.Hour).Unix()
	case FlawIssuedAhead:
		c["iat"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(time.Hour+logoutTokenLifetime).Unix()
	case FlawNonce:
		c["nonce"] = fakeidp.Random(12)
	case FlawNoEvents:
		delete(c, "events")
	case FlawOtherEvent:
		c["events"] = map[string]any{"https://schemas.example/event/other": map[string]any{}}
	case FlawNoSubjectOrSession:
		delete(c, "sub")
		delete(c, "sid")
	case FlawNoID:
		delete(c, "jti")
	case FlawTypeAccessToken:
		return s.key.SignTyped("at+jwt", c)
	case FlawForeignKey:
		foreignOnce.Do(func() { foreignKey = fakeidp.NewKey(s.key.ID) })
		return foreignKey.SignTyped("logout+jwt", c)
	default:
		panic(fmt.Sprintf("licensespringtest: unknown Flaw %d", f))
	}
	return s.SignLogoutToken(c)
}

// SignLogoutToken signs claims with the realm's key under the JOSE typ
// logout+jwt (or [Options.LogoutTokenType]), for a logout token no Flaw
// describes.
func (s *Server) SignLogoutToken(claims map[string]any) string {
	return s.key.SignTyped(s.opts.LogoutTokenType, claims)
}

func (s *Server) logoutClaims(sub, sid string) map[string]any {
	now := s.now.Now()
	c := map[string]any{
		"iss":    s.Issuer(),
		"aud":    s.opts.ClientID,
		"iat":    now.Unix(),
		"exp":    now.Add(logoutTokenLifetime).Unix(),
		"jti":    fakeidp.Random(16),
		"typ":    "Logout", // Keycloak's own token-type claim
		"events": map[string]any{oauthkit.BackchannelLogoutEvent: map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	return c
}

// BackchannelLogout delivers logoutToken to a client's back-channel logout
// URL as the realm does (§2.5): a POST with the form-encoded body
// logout_token=…, with the server's HTTP client and ctx. A 200 (or 204)
// answer is success; any other status is an error naming it, never the
// token.
func (s *Server) BackchannelLogout(ctx context.Context, backchannelURL, logoutToken string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backchannelURL,
		strings.NewReader(url.Values{"logout_token": {logoutToken}}.Encode()))
	if err != nil {
		return fmt.Errorf("licensespringtest: back-channel logout: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client().Do(req)
	if err != nil {
		return fmt.Errorf("licensespringtest: back-channel logout: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("licensespringtest: back-channel logout: HTTP %d", resp.StatusCode)
	}
	return nil
}
