package league

import (
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Advice for what league/oauth2-server's errors mean. The hints quoted are
// league's own (OAuthServerException and the grants, versions 5 to 9).
const (
	AdviceNeedsLogin = "the refresh token is expired, revoked or already used (league/oauth2-server rotates refresh tokens: each works once, and the answer's refresh token replaces it); send the user to log in again"
	AdviceClient     = "client authentication failed: check ClientID and ClientSecret (league/oauth2-server reads client_id and client_secret from the form body)"
	AdviceCode       = "authorization codes work once and expire quickly: exchange the code as soon as the callback arrives, and never twice"
	AdvicePassword   = "the username or password is wrong"
	AdviceGrant      = "the server does not offer this grant to this client"
)

// Advise returns league's advice for an error of the operation e.Op, or "".
func Advise(e *oauthkit.Error) string {
	switch {
	case e.Op == oauthkit.OpRefresh && oauthkit.NeedsLogin(e):
		return AdviceNeedsLogin
	case e.Code == string(oauthkit.ErrInvalidClient):
		return AdviceClient
	case e.Code == string(oauthkit.ErrUnsupportedGrantType):
		return AdviceGrant
	case e.Op == oauthkit.OpExchange && IsCodeRejected(e):
		return AdviceCode
	case e.Op == oauthkit.OpPassword && IsPasswordRejected(e):
		return AdvicePassword
	}
	return ""
}

// IsCodeRejected reports an authorization code league refused as expired,
// revoked (used) or undecryptable: invalid_request with a code hint in ≤ 7,
// invalid_grant in ≥ 8.
func IsCodeRejected(e *oauthkit.Error) bool {
	if e.Code == string(oauthkit.ErrInvalidGrant) {
		return true
	}
	h := strings.ToLower(e.Hint)
	return e.Code == string(oauthkit.ErrInvalidRequest) && strings.Contains(h, "authorization code")
}

// IsPasswordRejected reports a password grant league refused for the
// user's credentials: invalid_credentials (HTTP 401) in ≤ 7, invalid_grant
// (HTTP 400) in ≥ 8.
func IsPasswordRejected(e *oauthkit.Error) bool {
	return e.Code == "invalid_credentials" || e.Code == string(oauthkit.ErrInvalidGrant)
}

// HintMentions reports whether the error's hint names param, as league's
// "Check the `param` parameter" and its PKCE hints do.
func HintMentions(e *oauthkit.Error, param string) bool {
	return strings.Contains(strings.ToLower(e.Hint), strings.ToLower(param))
}
