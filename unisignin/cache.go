package unisignin

import (
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// UserTokenSource returns a token source for one user's login (from
// [oauthkit.Complete] or [Provider.PasswordToken]): served from the cache
// (Config.Cache) and renewed with [Provider.Refresh] ahead of expiry.
// UniSignIn rotates refresh tokens (league/oauth2-server revokes the one it
// was sent), so the source refreshes once at a time per user, always with
// the newest refresh token — however many goroutines or sources use it — and
// Config.Cache's OnTokenChange reports each new token so the application can
// store the rotated refresh token. [oauthkit.NeedsLogin] tells when the
// refresh token is dead.
func (p *Provider) UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource {
	return p.tokens.UserSource(tokencache.KeyParts{
		Vendor: name, Endpoint: p.endpoints.TokenURL, Tenant: p.cfg.BaseURL, ClientID: p.cfg.ClientID,
		Flow: "refresh_token", User: user, Credential: p.cfg.ClientSecret.Reveal(),
	}, tok, p.Refresh)
}
