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

// ErrRefreshTokenSpent: a refresh was answered, so the server may have
// spent (rotated) the refresh token, but the answer was refused — it broke
// the protocol, or its ID token failed the checks — so the new tokens are
// not used. Sending the old refresh token again would be a second use,
// which a server that rotates refresh tokens takes for a replay and
// punishes by revoking the whole grant; only a new login helps, so
// [NeedsLogin] is true for it. It is wrapped together with the refusal's
// own error.
var ErrRefreshTokenSpent = errors.New("oauthkit: the refresh token was spent on an answer that was refused")

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
// It is true for [ErrNoRefreshToken], [ErrSubjectChanged] or
// [ErrRefreshTokenSpent] anywhere in err's chain, and for an
// [*Error] of a refresh (Op [OpRefresh]) that says the refresh token is dead:
// invalid_grant (RFC 6749 §5.2), invalid_request with HTTP 401, or
// invalid_request whose hint, message or description says the refresh token
// expired, was revoked or is invalid — the answers of every
// league/oauth2-server version the vendors run (the table is in
// internal/league's package documentation). It is false for everything
// else: network errors, 5xx, invalid_client, other operations, and a failed
// login attempt, which the login handler answers by starting over.
func NeedsLogin(err error) bool {
	if errors.Is(err, ErrNoRefreshToken) || errors.Is(err, ErrSubjectChanged) || errors.Is(err, ErrRefreshTokenSpent) {
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
