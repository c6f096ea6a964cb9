package oauthkit

import (
	"errors"
	"strings"
)

// ErrNoRefreshToken: a user's token has expired (or is about to) and there
// is no refresh token to renew it with — the login never got one, or none
// was stored. Only a new login helps: [NeedsLogin] is true for it. A
// tokencache RefreshingSource (and so every vendor's UserTokenSource)
// returns an error wrapping it.
var ErrNoRefreshToken = errors.New("oauthkit: no refresh token to renew the login with")

// NeedsLogin reports whether err says that a user's login cannot be renewed
// any more — its refresh token is dead (expired, revoked, already used or
// issued to another client) or missing — so the only way to act for the
// user again is to send them through the login once more. A web app checks
// it where it refreshes:
//
//	tok, err := p.Refresh(ctx, stored.RefreshToken)
//	if oauthkit.NeedsLogin(err) {
//		http.Redirect(w, r, "/login", http.StatusFound)
//		return
//	}
//
// It is true for exactly these causes, anywhere in err's chain:
//
//   - [ErrNoRefreshToken]: the token expired and there is none to renew it
//     with;
//
// and an [*Error] of a refresh (Op [OpRefresh]) that says the refresh token
// is dead:
//
//   - invalid_grant, the RFC 6749 §5.2 code for a refresh token that is
//     "invalid, expired, revoked … or was issued to another client" (also
//     league/oauth2-server ≥ 8, HTTP 400);
//   - invalid_request with HTTP 401: league/oauth2-server ≤ 7 answers a dead
//     refresh token so ("The refresh token is invalid.", hints "Token has
//     expired", "Token has been revoked", "Cannot decrypt the refresh token");
//   - invalid_request whose hint, message or description says the refresh
//     token has expired, was revoked or is invalid, at any 4xx status
//     (Justimmo's documented {"error":"invalid_request", …, "hint":"Refresh
//     token has expired"}).
//
// It is false for everything else: network errors and timeouts, 5xx and
// other malformed answers, invalid_client (a configuration error, not the
// user's) and a missing refresh_token parameter, which are worth retrying or
// fixing but which logging in again does not cure; and errors of any other
// operation. A failed login attempt ([ErrLoginExpired], [ErrStateMismatch],
// an expired authorization code, a wrong password) is not a dead session:
// the login handler answers it itself, by starting that login over.
func NeedsLogin(err error) bool {
	if errors.Is(err, ErrNoRefreshToken) {
		return true
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != OpRefresh || e.Err != nil || e.StatusCode >= 500 {
		return false
	}
	switch ErrorCode(e.Code) {
	case ErrInvalidGrant:
		return true
	case ErrInvalidRequest:
		return e.StatusCode == 401 || saysRefreshTokenDead(e)
	}
	return false
}

// saysRefreshTokenDead reads league's and Justimmo's texts for a refresh
// token that no longer works.
func saysRefreshTokenDead(e *Error) bool {
	text := strings.ToLower(e.Hint + "\n" + e.Message + "\n" + e.Description)
	if !strings.Contains(text, "refresh token") {
		return false
	}
	for _, w := range []string{"expired", "revoked", "is invalid", "decrypt", "not linked"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
