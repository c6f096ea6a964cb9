package justimmo

import (
	"github.com/seed-e8f4a5f7/oauthkit/internal/cachedtokens"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// The cached-token methods — Token, TokenSource, Client and InvalidateToken
// ([oauthkit.TokenProvider], [oauthkit.ClientProvider]) and UserTokenSource
// ([oauthkit.UserTokenProvider]) — are written once in internal/cachedtokens and
// embedded in Provider under these names; "Cached tokens" in the package
// documentation says what is Justimmo's own about them.
type (
	clientTokens = cachedtokens.ClientCredentials
	userTokens   = cachedtokens.Users
)

// initCache binds the Provider's client-credentials flow and its users'
// logins to Config.Cache, keyed with Config.CacheKeySecret. p.cfg and
// p.server.Endpoints must be set.
func (p *Provider) initCache() error {
	t := cachedtokens.New(p.cfg.Cache, p.cfg.HTTPClient, p.cfg.Logger, p.cfg.Metrics)
	var err error
	if p.clientTokens, err = t.ClientCredentials(tokencache.KeyParts{
		Vendor: name, Endpoint: p.server.Endpoints.TokenURL, ClientID: p.cfg.ClientID,
		Flow: "client_credentials", Scopes: p.cfg.Scopes, Credential: p.cfg.ClientSecret.Reveal(), HashKey: []byte(p.cfg.CacheKeySecret.Reveal()),
	}, p.ClientCredentials); err != nil {
		return err
	}
	p.userTokens, err = t.Users(tokencache.KeyParts{
		Vendor: name, Endpoint: p.server.Endpoints.TokenURL, ClientID: p.cfg.ClientID,
		Flow: "refresh_token", Credential: p.cfg.ClientSecret.Reveal(), HashKey: []byte(p.cfg.CacheKeySecret.Reveal()),
	}, p.Refresh)
	return err
}
