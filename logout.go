package oauthkit

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// BackchannelLogoutEvent is the member of a logout token's events claim
// that makes it one (OpenID Connect Back-Channel Logout 1.0 §2.4).
const BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// LogoutToken is a verified logout token (OpenID Connect Back-Channel
// Logout 1.0, https://openid.net/specs/openid-connect-backchannel-1_0.html):
// the provider tells the client that the user's session at the provider has
// ended. Subject, SessionID or both are set.
type LogoutToken struct {
	Issuer    string
	Audience  []string
	Subject   string // sub: the user whose sessions end, or ""
	SessionID string // sid: the provider's session that ended, or ""
	ID        string // jti: unique per token; the receiver refuses a second use
	IssuedAt  time.Time
	Expiry    time.Time
}

// LogoutTokenVerifier is implemented by providers whose server sends
// back-channel logout tokens (Keycloak, and so LicenseSpring, does). The web
// handler's back-channel logout endpoint ends the sessions a verified token
// names.
type LogoutTokenVerifier interface {
	// VerifyLogoutToken checks raw as §2.6 of the specification asks: the
	// signature by the provider's keys, iss, aud (this client), iat within
	// a short window, exp, the events claim, sub and/or sid, no nonce, and
	// a jti (whose single use is the receiver's to check). Any failure
	// wraps [ErrInvalidLogoutToken].
	VerifyLogoutToken(ctx context.Context, raw string) (*LogoutToken, error)
}

// ErrInvalidLogoutToken: a back-channel logout token failed verification.
var ErrInvalidLogoutToken = errors.New("oauthkit: invalid logout token")

// TokenRevoker is implemented by providers with a revocation endpoint
// (RFC 7009, https://www.rfc-editor.org/rfc/rfc7009): RevokeToken asks the
// provider to invalidate token, a refresh token or an access token as
// hint says ("refresh_token", "access_token", or "" for none). Revoking a
// token the provider no longer knows is not an error (RFC 7009 §2.2).
type TokenRevoker interface {
	RevokeToken(ctx context.Context, token, hint string) error
}

// TokenTransporter is implemented by providers whose access tokens are not
// sent as plain Bearer tokens: package openid with DPoP (RFC 9449), whose
// tokens go with a fresh proof of the client's key on every request.
// TokenTransport returns the transport that sends the tokens token gives
// (renew replaces one a resource server rejected), or nil when they are
// Bearer tokens. Package web's per-user client uses it.
type TokenTransporter interface {
	TokenTransport(base http.RoundTripper, token func(context.Context) (*oauth2.Token, error), renew func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)) http.RoundTripper
}

// EndSessionURLBuilder is implemented by providers whose server may have an
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0,
// https://openid.net/specs/openid-connect-rpinitiated-1_0.html): package
// openid's and LicenseSpring's. Package web's logout sends the browser to
// the URL it builds.
type EndSessionURLBuilder interface {
	// BuildEndSessionURL returns the end_session_endpoint with client_id
	// (§2: it names the client when there is no id_token_hint left) and,
	// each when not "", id_token_hint (the login's raw ID token),
	// post_logout_redirect_uri (which must be registered with the server)
	// and state (given back to post_logout_redirect_uri). A server without
	// an end_session_endpoint: an error matching errors.ErrUnsupported.
	BuildEndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURL, state string) (string, error)
}
