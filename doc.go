// Package oauthkit puts one [Provider] interface over four vendors'
// OAuth 2.0 / OpenID Connect servers — WebUntis, UniSignIn, Justimmo and
// LicenseSpring — and shares one expiry-aware token cache between them
// (package tokencache).
//
// # Login
//
// A web app starts a login with [Provider.AuthCodeURL], keeps the returned
// [AuthRequest] (server-side, or in a sealed cookie) and redirects the
// browser to its URL. At the redirect URL, [Complete] does everything that
// must not be forgotten: it compares the state in constant time and uses it
// once, refuses a login older than its maximum age ([DefaultLoginMaxAge],
// [WithMaxAge]), checks the callback's iss (RFC 9207), turns an error
// redirect into an [*Error], exchanges the code, and for OpenID Connect
// vendors verifies the ID token — signature, issuer, audience, expiry, iat
// and nonce — before any claim is read. The result is a [Login] with the
// tokens and a normalized [UserInfo]. See [AuthRequest] for what single use
// means once the request is stored outside memory.
//
// # Server to server
//
// [Provider.ClientCredentials] and [Provider.Refresh] return
// [golang.org/x/oauth2.Token] values. The vendor packages serve them through
// the shared cache as an [golang.org/x/oauth2.TokenSource] or an
// [net/http.Client], refreshed ahead of expiry, one request per key however
// many goroutines ask.
//
// # Errors
//
// Every failure a vendor reports is an [*Error] (use [errors.As]): provider,
// operation, HTTP status, the RFC 6749 code and description, the
// league/oauth2-server message and hint, LicenseSpring's code and message,
// and an Advice line where the vendor documents a known cause.
// errors.Is(err, oauthkit.ErrInvalidGrant) and the other [ErrorCode] values
// work, and so do the sentinels such as [ErrStateMismatch] and
// [ErrIDTokenExpired]. A flow a vendor does not offer satisfies
// errors.Is(err, errors.ErrUnsupported).
//
// # Secrets
//
// Credentials are [Secret] values, which print as "[redacted]" under every
// fmt verb, in JSON and in slog. No error string, log value or formatted
// provider, [AuthRequest] or [Login] holds a secret, token, code or password:
// vendor text is bounded and scrubbed of the request's credentials before it
// reaches an [*Error].
//
// # Safe defaults
//
// State and nonce on every login, PKCE wherever the vendor allows it, https
// endpoints only (http on loopback for tests), response bodies read through a
// 1 MiB limit, every request bounded by its context and a timeout, redirects
// from token endpoints not followed, credentials ([Provider] clients'
// Bearer tokens, LicenseSpring signatures) never sent on a redirect to
// another scheme or host ([ErrCrossOriginRedirect]), logins that expire
// ([DefaultLoginMaxAge]) and are used once, and transient failures (network errors,
// 429, 502–504) retried with backoff and Retry-After — but never an
// authorization code that may have reached the server, nor a device poll,
// whose next try waits the polling interval.
//
// # Vendor configuration
//
// Every vendor's Config has these fields, with the same meaning:
//
//   - HTTPClient sends the requests. Zero: a client over
//     http.DefaultTransport. It is copied, never modified; redirects are
//     not followed.
//   - Timeout bounds each HTTP attempt. Zero: 30 seconds.
//   - Cache holds the provider's cached tokens (client-credentials tokens
//     where the vendor offers them, and users' refreshed tokens). Share one
//     Cache among the Providers of many tenants and vendors. Zero: a cache
//     of the Provider's own, reporting to Logger and Metrics (a shared
//     Cache reports to those of its own tokencache.Config).
//   - CacheKeySecret keys the hash that carries the credential (and a
//     user's name) into the provider's cache keys, which show in debug
//     logs, tokencache.Config.OnError, Metrics' CacheInfo.Key and a shared
//     Store. Zero: the Cache's tokencache.Config.KeySecret, else a random
//     key drawn once per process, so that no key seen outside the process
//     can be used to test guesses of a password offline. Replicas sharing
//     a Cache's Store must compute the same keys, so with a Store one of
//     the two is required, the same on every replica, at least 16 random
//     bytes (32 from crypto/rand are best); New refuses a Cache with a
//     Store and no secret with a *ConfigError on CacheKeySecret.
//   - Now is the clock for token expiry (and ID-token checks, where the
//     vendor issues ID tokens). Zero: time.Now.
//   - Logger and Metrics get the provider's events; see "Observability".
//     New keeps a copy of Metrics. Zero: none.
//
// # Observability
//
// Every vendor's Config takes a *[log/slog.Logger] (nil: silent), which gets
// debug records for token requests (operation, outcome, status, attempts,
// duration), retries (attempt, reason, delay) and webhook events, and a
// [*Metrics], a struct of optional funcs called with the same events and
// with tokencache's hits, stale serves, misses and fills. Neither ever holds
// a secret, token, code or password. The library imports no metrics or
// tracing package; examples/otel wires the hooks to OpenTelemetry.
//
// # References
//
//   - RFC 6749, The OAuth 2.0 Authorization Framework: https://www.rfc-editor.org/rfc/rfc6749
//   - RFC 7636, Proof Key for Code Exchange: https://www.rfc-editor.org/rfc/rfc7636
//   - OpenID Connect Core 1.0: https://openid.net/specs/openid-connect-core-1_0.html
//   - OpenID Connect Discovery 1.0: https://openid.net/specs/openid-connect-discovery-1_0.html
//   - RFC 9207, OAuth 2.0 Authorization Server Issuer Identification: https://www.rfc-editor.org/rfc/rfc9207
package oauthkit
