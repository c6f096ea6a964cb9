package licensespring

import "context"

// RevokeToken asks the realm's Keycloak to invalidate a refresh or access
// token (RFC 7009; docs/vendors/licensespring.md#logout-and-revocation) at
// the revocation_endpoint of its discovery document, as the same public
// client the token endpoint knows (client_id in the form, no secret). hint is
// "refresh_token", "access_token" or "". Keycloak ends the client's session
// with a refresh token: its later refreshes fail with invalid_grant.
//
// A token Keycloak no longer knows is revoked already, and not an error. A
// realm whose discovery document names no revocation endpoint gives an
// error matching errors.ErrUnsupported.
func (p *Provider) RevokeToken(ctx context.Context, token, hint string) error {
	s, err := p.session(ctx)
	if err != nil {
		return err
	}
	return s.std.RevokeToken(ctx, token, hint)
}
