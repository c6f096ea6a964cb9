package unisignin

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// DefaultScopes is the scope of the vendor's examples
// (docs/vendors/unisignin.md#tokens: scope=public, also for the password
// grant).
var DefaultScopes = []string{"public"}

// The documented endpoints, relative to Config.BaseURL
// (docs/vendors/unisignin.md#endpoints).
const (
	authPath  = "/oauth/v2/authorize"
	tokenPath = "/oauth/v2/access_token"
	userPath  = "/oauth/v2/user"
)

// Config configures a [Provider] for one UniSignIn OAuth application.
//
// Which flow the provider runs follows from ClientSecret: with a secret the
// web flow (a confidential client, docs/vendors/unisignin.md#web-flow),
// without one the app flow (a public client proving itself with PKCE,
// docs/vendors/unisignin.md#app-flow).
type Config struct {
	// BaseURL is the organization's UniSignIn URL,
	// https://SUBDOMAIN.PRIMARY_DOMAIN. Required. Must be https; http is
	// accepted only on loopback (tests, the unisignintest fake).
	BaseURL string

	// ClientID is the client id shown in the UniSignIn dashboard
	// (Features > OAuth Service). Required.
	ClientID string

	// ClientSecret is the client secret from the dashboard, for the web flow.
	// Zero: the app flow, which sends client_id alone and PKCE.
	ClientSecret oauthkit.Secret

	// RedirectURL is where UniSignIn sends the browser after login; it must
	// be in the application's Redirect URIs whitelist. For the app flow it
	// is the app's URL scheme, <scheme>://<path>. Required for the code flow
	// (AuthCodeURL); the password grant does not use it.
	RedirectURL string

	// Scopes for the code flow and the password grant. Zero: DefaultScopes.
	Scopes []string

	// HTTPClient sends the requests; see [oauthkit] "Vendor configuration".
	HTTPClient *http.Client

	// Timeout bounds each HTTP attempt. Zero: 30 seconds.
	Timeout time.Duration

	// Cache holds users' refreshed tokens (see Provider.UserTokenSource);
	// see [oauthkit] "Vendor configuration".
	Cache *tokencache.Cache

	// CacheKeySecret keys the hash of the credential in this provider's
	// cache keys, which show in logs, hooks and a shared Store; see
	// [oauthkit] "Vendor configuration". Zero: Cache's
	// tokencache.Config.KeySecret, else a random key of this process.
	// Required (here or there) when Cache has a Store: the same on every
	// replica, at least 16 random bytes.
	CacheKeySecret oauthkit.Secret

	// Now is the clock for token expiry. Zero: time.Now.
	Now func() time.Time

	// Logger gets debug records of requests and retries; see [oauthkit] "Vendor configuration".
	Logger *slog.Logger

	// Metrics gets the same events as Logger; see [oauthkit] "Vendor configuration".
	Metrics *oauthkit.Metrics
}

func (c *Config) validate() error {
	bad := func(field, reason string) error {
		return &oauthkit.ConfigError{Provider: name, Field: field, Reason: reason}
	}
	var err error
	if c.BaseURL, err = httpc.BaseURL(c.BaseURL, ""); err != nil {
		return bad("BaseURL", err.Error()+" (https://SUBDOMAIN.PRIMARY_DOMAIN)")
	}
	if c.ClientID == "" {
		return bad("ClientID", "is required")
	}
	if c.RedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.RedirectURL); err != nil {
			return bad("RedirectURL", err.Error())
		}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	c.Scopes = append([]string(nil), c.Scopes...)
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// wire is what the token client needs of the Config (oauthwire.New).
func (c *Config) wire() oauthwire.Options {
	return oauthwire.Options{
		HTTPClient: c.HTTPClient, Timeout: c.Timeout, Now: c.Now, Logger: c.Logger, Metrics: c.Metrics,
	}
}
