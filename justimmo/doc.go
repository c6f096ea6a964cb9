// Package justimmo is Justimmo's OAuth server behind the [oauthkit.Provider]
// interface: user login (authorization code), refresh, client credentials,
// and the current user and tenant.
//
// Justimmo runs an older league/oauth2-server (internal/league holds what it
// shares with UniSignIn): parameters travel in the form body, refresh tokens
// rotate, and errors are {"error", "message", "hint"} without
// error_description.
//
// # Credentials in the body
//
// Every grant sends client_id and client_secret as form fields, never a
// Basic header (docs/vendors/justimmo.md#client-authentication: each grant's
// body lists them). Config.ClientSecret is therefore always required.
//
// # Login
//
// [Provider.AuthCodeURL] builds
// https://auth.justimmo.at/authorize?response_type=code&client_id=…&redirect_uri=…
// with a state and PKCE S256, and [oauthkit.Complete] checks the callback,
// exchanges the code (it lives one minute) and fetches the current user for
// [oauthkit.Login.UserInfo] (Subject is the user id). A user who declines
// comes back with error=access_denied&message=…&hint=… — Complete turns it
// into an [*oauthkit.Error] with Message and Hint, also when the redirect
// carries no state.
//
// # Tokens
//
// Access tokens live a day, refresh tokens a month; [Provider.Refresh]
// returns the next refresh token, which replaces the one used. An expired
// one answers invalid_request with hint "Refresh token has expired", and
// [oauthkit.NeedsLogin] reports true for it. [Provider.ClientCredentials]
// gets a token without a user (no refresh token); client-credentials tokens
// live a day or a month.
//
// # Cached tokens
//
// Provider.Token, Provider.TokenSource and Provider.Client
// ([oauthkit.TokenProvider], [oauthkit.ClientProvider]) serve the
// client-credentials token from Config.Cache, fetched on first use and
// renewed by one background request shortly before it expires.
// Provider.Client is for the Justimmo API: on a 401 with a Bearer
// invalid_token challenge it drops the token and retries the request once;
// call Provider.InvalidateToken when a 401 reaches you some other way.
//
// Provider.UserTokenSource ([oauthkit.UserTokenProvider]) keeps a user's
// login alive: served from the cache and renewed with [Provider.Refresh]
// ahead of expiry, one refresh at a time, each with the newest refresh token
// (each works once). Config.Cache's OnTokenChange reports each new token
// with the user, for storage; [oauthkit.NeedsLogin] tells when the refresh
// token is dead.
//
// # Current user
//
// [Provider.CurrentUser] calls https://api.justimmo.at/oauth/user/current,
// which answers {"id":1234,"tenant":{"id":5678}}.
//
// # References
//
//   - Justimmo OAuth: https://api-docs.justimmo.at/partner/oauth.html
//     (summary: docs/vendors/justimmo.md)
//   - RFC 6749 (OAuth 2.0): https://www.rfc-editor.org/rfc/rfc6749
//   - RFC 7636 (PKCE): https://www.rfc-editor.org/rfc/rfc7636
//   - RFC 6750 (Bearer tokens): https://www.rfc-editor.org/rfc/rfc6750
//   - league/oauth2-server: https://oauth2.thephpleague.com/
package justimmo
