package licensespring

import (
	"context"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// VerifyLogoutToken verifies a back-channel logout token the realm's
// Keycloak sent to the application's back-channel logout URL (OpenID
// Connect Back-Channel Logout 1.0 §2.6;
// docs/vendors/licensespring.md#logout-and-revocation): signature by the
// realm's published keys, iss (the sso_url answer's issuer), aud and azp
// (the URL's client_id), exp, iat within ten minutes, the back-channel
// logout event, sub and/or sid (Keycloak sends both; sid is the sid of the
// ID tokens of that session), a jti and no nonce. The JOSE header's typ, when
// present, must be logout+jwt, which Keycloak sends since version 25, or
// JWT, which earlier versions send.
//
// A refused token's error wraps [oauthkit.ErrInvalidLogoutToken]; an error
// that does not (the realm's keys could not be fetched) says nothing about
// the token. The jti's single use is the caller's to check.
func (p *Provider) VerifyLogoutToken(ctx context.Context, raw string) (*oauthkit.LogoutToken, error) {
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	return s.std.VerifyLogoutToken(ctx, raw)
}

// BuildEndSessionURL is [oauthkit.EndSessionURLBuilder]: the realm's
// end_session_endpoint (the sso_url answer names it) with the URL's
// client_id and, each when not "", id_token_hint, post_logout_redirect_uri
// (one of the client's valid post-logout redirect URIs in Keycloak) and
// state. Keycloak answers a post_logout_redirect_uri without id_token_hint
// or client_id with 400 "Missing parameter: id_token_hint"; client_id is
// always sent, so a logout whose ID token is gone still comes back.
func (p *Provider) BuildEndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURL, state string) (string, error) {
	s, err := p.session(ctx)
	if err != nil {
		return "", err
	}
	return s.std.BuildEndSessionURL(ctx, idTokenHint, postLogoutRedirectURL, state)
}
