package webuntis

import (
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// loginOptions configure the standards engine (internal/standard) for the
// WebUntis login — the authorization request, the code exchange, the
// refresh and the ID token — so that a reader who knows OpenID Connect finds WebUntis as
// this list of exceptions (docs/vendors/webuntis.md#built-on-the-standards).
// Client credentials are not the engine's: they take the platform password,
// not the client secret, as raw Basic with a fallback between two encodings
// (basic.go; docs/vendors/webuntis.md#client-credentials).
func (p *Provider) loginOptions() standard.Options {
	return standard.Options{
		Name:   name,
		OpenID: true,
		// The tenant's discovery document
		// ({base}/.well-known/openid-configuration,
		// docs/vendors/webuntis.md#endpoints), fetched on first use and kept
		// for the process; Refresh reads its grant types too.
		Metadata: p.disc.Get,

		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		// The vendor's token example sends client_id and client_secret as
		// parameters, not Basic (docs/vendors/webuntis.md#authorization-code);
		// they go in the form body, not its query string (RFC 6749 §2.3.1).
		AuthMethod: standard.MethodClientSecretPost,

		RedirectURL: p.cfg.RedirectURL,
		Scopes:      p.cfg.Scopes,
		// The vendor documents no PKCE; a server ignores parameters it does
		// not know (RFC 6749 §3.1), so S256 costs nothing and protects the
		// code where it is supported.
		PKCE: &authreq.DefaultPKCE,
		Now:  p.cfg.Now,

		// The two credentials and the redirect URI PAM must know: WebUntis'
		// documented causes (docs/vendors/webuntis.md#two-credentials,
		// docs/vendors/webuntis.md#redirect-uri).
		Advise: adviseCodeFlow,

		Unchanged: standard.Unchanged{
			// AuthCodeURL has always passed a max_age AuthOption through.
			MaxAgeParam: true,
		},
	}
}
