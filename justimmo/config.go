package justimmo

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// The vendor's hosts (docs/vendors/justimmo.md#endpoints).
const (
	DefaultAuthURL = "https://auth.justimmo.at"
	DefaultAPIURL  = "https://api.justimmo.at"
)

// The documented paths (docs/vendors/justimmo.md#endpoints): authorize and
// access_token on the auth host, the current user on the API host.
const (
	authPath  = "/authorize"
	tokenPath = "/access_token"
	userPath  = "/oauth/user/current"
)

// Config configures a [Provider] for one Justimmo OAuth client (credentials
// from support@justimmo.at, docs/vendors/justimmo.md#client-authentication).
type Config struct {
	// ClientID and ClientSecret are the client's credentials. Both are
	// required: every grant sends them in the form body
	// (docs/vendors/justimmo.md#client-authentication).
	ClientID     string
	ClientSecret oauthkit.Secret

	// RedirectURL is where Justimmo sends the browser after login. Required
	// for the code flow (AuthCodeURL); client credentials do not use it.
	RedirectURL string

	// Scopes for the code flow and client credentials. Zero: none (the
	// vendor's authorize example sends no scope).
	Scopes []string

	// AuthURL is the authorization server. Zero: DefaultAuthURL.
	// APIURL is the resource server with the current-user endpoint. Zero:
	// DefaultAPIURL. Both must be https; http is accepted only on loopback
	// (tests, the justimmotest fake).
	AuthURL, APIURL string

	// HTTPClient sends the requests; see [oauthkit] "Vendor configuration".
	HTTPClient *http.Client

	// Timeout bounds each HTTP attempt. Zero: 30 seconds.
	Timeout time.Duration

	// Cache holds the client-credentials tokens and users' refreshed tokens;
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
	if c.AuthURL, err = httpc.BaseURL(c.AuthURL, DefaultAuthURL); err != nil {
		return bad("AuthURL", err.Error())
	}
	if c.APIURL, err = httpc.BaseURL(c.APIURL, DefaultAPIURL); err != nil {
		return bad("APIURL", err.Error())
	}
	switch {
	case c.ClientID == "":
		return bad("ClientID", "is required")
	case c.ClientSecret.IsZero():
		return bad("ClientSecret", "is required (every Justimmo grant sends it)")
	}
	if c.RedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.RedirectURL); err != nil {
			return bad("RedirectURL", err.Error())
		}
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
