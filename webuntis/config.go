package webuntis

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// The Untis API URLs (docs/vendors/webuntis.md#endpoints: API_URL).
const (
	DefaultBaseURL     = "https://api.webuntis.com"
	IntegrationBaseURL = "https://api.integration.webuntis.dev"
)

// DefaultScopes are the scopes of the vendor's authorize example
// (docs/vendors/webuntis.md#authorization-code).
// The vendor advises against "untis-profile": its claims may change; use
// "sub" and the OneRoster user endpoint instead.
var DefaultScopes = []string{"openid", "roster-core.readonly"}

// Config configures a [Provider] for one tenant (school) and one platform
// application. The two credentials are not interchangeable
// (docs/vendors/webuntis.md#two-credentials): the code flow takes the OIDC
// client secret, client credentials take the platform password.
type Config struct {
	// BaseURL is the Untis API URL. Zero: DefaultBaseURL. Must be https;
	// http is accepted only on loopback (tests, the webuntistest fake).
	BaseURL string

	// Tenant is the school's tenantId. Required.
	Tenant string

	// ClientID is the platform application's OIDC client id; it is also the
	// Basic username of the client-credentials flow. Required.
	ClientID string

	// ClientSecret is the OIDC client secret from the Platform Application
	// Manager, used by the authorization-code flow (login) and refresh.
	ClientSecret oauthkit.Secret

	// Password is the platform-generated password delivered by the
	// credentials webhook, used by the client-credentials flow. At least one
	// of ClientSecret and Password is required.
	Password oauthkit.Secret

	// BasicEncoding is how the client-credentials request encodes the
	// client id and Password in its Basic header. Zero: BasicAuto.
	BasicEncoding BasicEncoding

	// RedirectURL is where WebUntis sends the browser after login. It must
	// match the domain and SSO redirect path configured in PAM, or the vendor
	// answers "invalid_ressource". Required for the code flow.
	RedirectURL string

	// Scopes for the code flow. Zero: DefaultScopes.
	Scopes []string

	// Issuer is the issuer the discovery document and ID tokens must name.
	// Zero: the tenant's SSO base, {BaseURL}/WebUntis/api/sso/v3/{Tenant}
	// (OpenID Connect Discovery 1.0 §4.3 makes it the discovery URL's base).
	Issuer string

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

	// Now is the clock for token expiry and ID-token checks. Zero: time.Now.
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
	if c.BaseURL, err = httpc.BaseURL(c.BaseURL, DefaultBaseURL); err != nil {
		return bad("BaseURL", err.Error())
	}
	switch {
	case strings.TrimSpace(c.Tenant) == "":
		return bad("Tenant", "is required")
	case strings.ContainsAny(c.Tenant, "/?#"):
		return bad("Tenant", "must be a tenant id, not a path")
	case c.ClientID == "":
		return bad("ClientID", "is required")
	case c.ClientSecret.IsZero() && c.Password.IsZero():
		return bad("ClientSecret", "or Password is required (ClientSecret for login, Password for client credentials)")
	case c.BasicEncoding < BasicAuto || c.BasicEncoding > BasicURLEncoded:
		return bad("BasicEncoding", "must be BasicAuto, BasicRaw or BasicURLEncoded")
	}
	if c.RedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.RedirectURL); err != nil {
			return bad("RedirectURL", err.Error())
		}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	if !slices.Contains(c.Scopes, "openid") {
		// Without it no ID token comes back, and the login cannot be verified.
		return bad("Scopes", `must include "openid"`)
	}
	c.Scopes = slices.Clone(c.Scopes)
	if c.Issuer == "" {
		c.Issuer = c.BaseURL + "/WebUntis/api/sso/v3/" + url.PathEscape(c.Tenant)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// need reports the missing credential or setting a flow needs.
func (c *Config) need(field string, missing bool, flow string) error {
	if !missing {
		return nil
	}
	return &oauthkit.ConfigError{Provider: name, Field: field, Reason: "is required for " + flow}
}

// wire is what the token client needs of the Config (oauthwire.New).
func (c *Config) wire() oauthwire.Options {
	return oauthwire.Options{
		HTTPClient: c.HTTPClient, Timeout: c.Timeout, Now: c.Now, Logger: c.Logger, Metrics: c.Metrics,
	}
}
