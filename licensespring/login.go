package licensespring

import (
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// loginOptions configure the standards engine (internal/standard) for the
// Keycloak realm one sso_url answer names, so that a reader who knows
// OpenID Connect finds LicenseSpring's login as this list of exceptions
// (docs/vendors/licensespring.md#built-on-the-standards; the engine serves
// Exchange, Refresh, VerifyIDToken, VerifyLogoutToken and RevokeToken).
// What stays LicenseSpring's own: the signed sso_url lookup (ssourl.go,
// signer.go), the authorization URL the answer gives (AuthCodeURL,
// ActivationURL), the implicit grant's fragment (implicit.go) and
// activate_license (activation.go).
func (p *Provider) loginOptions(s *session) standard.Options {
	return standard.Options{
		Name:   name,
		OpenID: true,
		// The realm is the one the sso_url answer names
		// (docs/vendors/licensespring.md#answer): its issuer's discovery
		// document, fetched on first use and kept with the answer.
		Metadata: s.disc.Get,
		// The answer's openid_configuration.token_endpoint, when it has one,
		// is used without the discovery document
		// (docs/vendors/licensespring.md#answer).
		TokenURL: s.tokenURL,

		// A public client: the client_id of the answer's URL, no secret
		// (RFC 6749 §2.1; docs/vendors/licensespring.md#endpoints).
		ClientID:   s.clientID,
		AuthMethod: standard.MethodNone,
		Now:        p.cfg.Now,

		// A code sent to activate_license cannot also be exchanged
		// (docs/vendors/licensespring.md#activation).
		Advise: adviseKeycloak,
	}
}
