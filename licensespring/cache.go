package licensespring

import (
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// UserTokenSource returns a token source for one license user's login (from
// [oauthkit.Complete]): served from the cache (Config.Cache) and renewed at
// the Keycloak token endpoint with [Provider.Refresh] ahead of expiry, one
// refresh at a time, each with the newest refresh token (Keycloak may rotate
// them). Config.Cache's OnTokenChange reports new tokens for storage.
func (p *Provider) UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource {
	return p.tokens.UserSource(tokencache.KeyParts{
		Vendor: name, Endpoint: p.cfg.APIURL, Tenant: p.cfg.CustomerAccountCode, ClientID: p.cfg.Product,
		Flow: "refresh_token", User: user,
	}, tok, p.Refresh)
}
