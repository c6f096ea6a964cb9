package licensespring

import (
	"github.com/seed-e8f4a5f7/oauthkit/internal/cachedtokens"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// UserTokenSource ([oauthkit.UserTokenProvider]) is written once in
// internal/cachedtokens and embedded in Provider under this name; "Cached tokens"
// in the package documentation says what is LicenseSpring's own about it.
// LicenseSpring's login offers no client credentials, so Provider has no
// cached client-credentials methods.
type userTokens = cachedtokens.Users

// initCache binds the Provider's license users' logins to Config.Cache,
// keyed with Config.CacheKeySecret. p.cfg must be set.
func (p *Provider) initCache() error {
	var err error
	p.userTokens, err = cachedtokens.New(p.cfg.Cache, p.cfg.HTTPClient, p.cfg.Logger, p.cfg.Metrics).Users(tokencache.KeyParts{
		Vendor: name, Endpoint: p.cfg.APIURL, Tenant: p.cfg.CustomerAccountCode, ClientID: p.cfg.Product,
		Flow: "refresh_token", HashKey: []byte(p.cfg.CacheKeySecret.Reveal()),
	}, p.Refresh)
	return err
}
