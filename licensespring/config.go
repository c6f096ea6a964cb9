package licensespring

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// DefaultAPIURL is the License API's address
// (docs/vendors/licensespring.md#endpoints: base
// https://api.licensespring.com/api/v4).
const DefaultAPIURL = "https://api.licensespring.com"

// The two values of Config.ResponseType
// (docs/vendors/licensespring.md#sso-url: code or token).
const (
	// ResponseTypeCode: the authorization code grant. The redirect carries a
	// single-use code in its query.
	ResponseTypeCode = "code"
	// ResponseTypeToken: the implicit grant. The redirect carries id_token,
	// access_token, expires_in and token_type in its fragment.
	ResponseTypeToken = "token"
)

// Config configures a [Provider] for one product and one customer account.
type Config struct {
	// APIURL is the License API's address, without /api/v4. Zero:
	// DefaultAPIURL. Must be https; http is accepted only on loopback
	// (tests, the licensespringtest fake). A trailing /api/v4 is tolerated.
	APIURL string

	// APIKey identifies the account in every License API request's
	// Authorization header. It travels in clear text with each request, like
	// a client id; the SharedKey is the secret. Required.
	APIKey string

	// SharedKey is the key License API requests are signed with
	// (HMAC-SHA256 over its UTF-8 bytes, as written — not base64-decoded).
	// Required.
	SharedKey oauthkit.Secret

	// Product is the product's short code
	// (docs/vendors/licensespring.md#sso-url).
	// Required.
	Product string

	// CustomerAccountCode is the customer account whose SSO provider the
	// users log in with (docs/vendors/licensespring.md#sso-url). Required.
	CustomerAccountCode string

	// ResponseType picks the grant: ResponseTypeCode (zero) or
	// ResponseTypeToken. It is always sent, because the vendor's page names
	// both "code" and the implicit grant as the default.
	ResponseType string

	// RedirectURL chooses among several SSO redirect URIs enabled for the
	// customer account (docs/vendors/licensespring.md#sso-url). Zero: not
	// sent; LicenseSpring's URL names the redirect URI.
	RedirectURL string

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

	// Now is the clock for the signed Date header, token expiry and
	// ID-token checks. Zero: time.Now. LicenseSpring refuses a Date more than
	// 15 minutes old, so a skewed clock shows as date_header_diff.
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
	if c.APIURL, err = httpc.BaseURL(strings.TrimSuffix(strings.TrimRight(c.APIURL, "/"), "/api/v4"), DefaultAPIURL); err != nil {
		return bad("APIURL", err.Error())
	}
	if err := checkAPIKey(c.APIKey); err != nil {
		return bad("APIKey", err.Error())
	}
	switch {
	case c.SharedKey.IsZero():
		return bad("SharedKey", "is required")
	case strings.TrimSpace(c.Product) == "":
		return bad("Product", "is required")
	case strings.TrimSpace(c.CustomerAccountCode) == "":
		return bad("CustomerAccountCode", "is required")
	}
	switch c.ResponseType {
	case "":
		c.ResponseType = ResponseTypeCode
	case ResponseTypeCode, ResponseTypeToken:
	default:
		return bad("ResponseType", `must be "code" or "token"`)
	}
	if c.RedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.RedirectURL); err != nil {
			return bad("RedirectURL", err.Error())
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// checkAPIKey refuses a key that cannot sit inside the quoted apikey="…"
// parameter of the Authorization header.
func checkAPIKey(k string) error {
	switch {
	case k == "":
		return errString("is required")
	case strings.ContainsFunc(k, func(r rune) bool { return r == '"' || r == '\\' || unicode.IsControl(r) }):
		return errString("must not contain quotes, backslashes or control characters")
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

// wire is what the token client needs of the Config (oauthwire.New).
func (c *Config) wire() oauthwire.Options {
	return oauthwire.Options{
		HTTPClient: c.HTTPClient, Timeout: c.Timeout, Now: c.Now, Logger: c.Logger, Metrics: c.Metrics,
	}
}
