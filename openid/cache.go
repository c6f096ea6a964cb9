package openid

import (
	"github.com/seed-e8f4a5f7/oauthkit/internal/cachedtokens"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// The cached-token methods — Token, TokenSource, Client and InvalidateToken
// ([oauthkit.TokenProvider], [oauthkit.ClientProvider]) and UserTokenSource
// ([oauthkit.UserTokenProvider]) — are written once in internal/cachedtokens
// and embedded in Provider under these names.
type (
	clientTokens = cachedtokens.ClientCredentials
	userTokens   = cachedtokens.Users
)

// initCache binds the client-credentials flow and users' logins to
// Config.Cache, keyed with Config.CacheKeySecret. The key names the issuer
// (or token endpoint), the client and a hash of its credential: the secret,
// or the signing key's id.
func (p *Provider) initCache() error {
	endpoint := p.cfg.Issuer
	if endpoint == "" {
		endpoint = p.cfg.Endpoints.TokenURL
	}
	credential := p.cfg.ClientSecret.Reveal()
	if p.cfg.ClientKey != nil {
		credential = "private_key_jwt:" + p.cfg.ClientKey.ID
	}
	t := cachedtokens.New(p.cfg.Cache, p.cfg.HTTPClient, p.cfg.Logger, p.cfg.Metrics)
	var err error
	if p.clientTokens, err = t.ClientCredentials(tokencache.KeyParts{
		Vendor: p.cfg.Name, Endpoint: endpoint, ClientID: p.cfg.ClientID, Scopes: p.cfg.ClientCredentialsScopes,
		Flow: "client_credentials", Credential: credential, HashKey: []byte(p.cfg.CacheKeySecret.Reveal()),
	}, p.ClientCredentials); err != nil {
		return err
	}
	p.userTokens, err = t.Users(tokencache.KeyParts{
		Vendor: p.cfg.Name, Endpoint: endpoint, ClientID: p.cfg.ClientID,
		Flow: "refresh_token", Credential: credential, HashKey: []byte(p.cfg.CacheKeySecret.Reveal()),
	}, p.Refresh)
	return err
}
