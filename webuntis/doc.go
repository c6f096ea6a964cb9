// Package webuntis is WebUntis (Untis Platform) SSO v3 behind the
// [oauthkit.Provider] interface: OpenID Connect login for partner apps, and
// client-credentials tokens for the OneRoster and Untis REST APIs.
//
// # Two credentials
//
// A platform application has two credentials, and they are not
// interchangeable (vendor troubleshooting, "invalid_grant error when
// obtaining an access token"):
//
//   - the OIDC client secret (Config.ClientSecret), from the Platform
//     Application Manager, for the authorization-code flow;
//   - the platform-generated password (Config.Password), delivered by the
//     credentials webhook, for client credentials.
//
// Using the wrong one answers invalid_grant (or invalid_client); the
// [oauthkit.Error] then carries Advice naming the credential the flow needs.
//
// # Login
//
// [Provider.AuthCodeURL] discovers the tenant's endpoints
// ({BaseURL}/WebUntis/api/sso/v3/{Tenant}/.well-known/openid-configuration),
// and builds the authorize URL with scope "openid roster-core.readonly", a
// nonce, a state and PKCE S256. [oauthkit.Complete] checks the callback,
// exchanges the code with the client secret in the form body and verifies the
// ID token against the tenant's keys. Use the ID token's "sub" only: the
// vendor does not guarantee the "untis-profile" claims.
//
// The vendor asks that a partner app's Login URL start a new login on every
// visit, ending any local session first, so that the logged-in user is always
// the one who launched the app from the Untis Platform.
//
// # Server to server
//
// [Provider.ClientCredentials] posts grant_type=client_credentials with Basic
// credentials of the client id and the platform password, base64 of the raw
// "id:password" as the vendor's own examples send it (not RFC 6749's
// URL-escaped form, which changes passwords holding + / = : % &). A server
// that URL-decodes Basic credentials as RFC 6749 §2.3.1 says reads a raw '+'
// as a space: when the raw form is refused and the password holds '+' or
// '%', the URL-encoded form is tried once and kept ([BasicEncoding] forces
// either). Tokens live three minutes, and the vendor asks for new ones only
// when really necessary.
//
// # Cached tokens
//
// So use the cached token rather than [Provider.ClientCredentials] on every
// call: Provider.Token, Provider.TokenSource and Provider.Client
// ([oauthkit.TokenProvider], [oauthkit.ClientProvider]) serve it from
// Config.Cache, fetched on first use and renewed by one background request
// shortly before its three minutes end. Provider.Client is for the OneRoster
// and Untis REST APIs: on a 401 with a Bearer invalid_token challenge it
// drops the token and retries the request once; call
// Provider.InvalidateToken when a 401 reaches you some other way.
//
// Provider.UserTokenSource ([oauthkit.UserTokenProvider]) keeps a user's
// login (from [oauthkit.Complete]) alive with [Provider.Refresh]. The vendor
// does not document refresh tokens; where the tenant issues none, the source
// serves the login's token until it expires, then fails with
// [oauthkit.ErrNoRefreshToken] ([oauthkit.NeedsLogin]).
//
// # Credentials webhook
//
// Untis delivers a school's credentials by a signed webhook
// (docs/vendors/webuntis.md#credentials-webhook). [NewWebhookHandler] serves
// it: [WebhookConfig.KeyText] takes the environment's public key exactly as
// the Untis Platform shows it (base64, or PEM; [ParseWebhookKey]); the
// signature is checked over the raw body ([VerifyWebhook]), each new password
// live, and the credentials go to a [CredentialStore] or a Store function.
//
// # Many tenants and replicas
//
// [Tenants] holds the providers of many schools over one [CredentialStore],
// fed by the credentials webhook ([NewWebhookHandler]). Replicas of a
// service share the store (tokencache/redisstore's CredentialStore): each
// record has a revision and Put is a compare-and-swap on it, so of two
// RESETs handled at once the older is refused, never stored over the newer;
// a provider whose password is refused re-reads its school's record and
// follows newer credentials another replica stored, so its callers do not
// see the refusal; a record that cannot be read is replaced by the next
// verified event ([WebhookConfig.OnUnreadable] reports it).
//
// # References
//
//   - Untis Platform SSO v3 authorization:
//     https://help.untis.at/hc/de/articles/4886722226834 (summary:
//     docs/vendors/webuntis.md)
//   - Untis Platform troubleshooting:
//     https://developer.untis.com/support-community/troubleshooting/
//   - RFC 6749 (OAuth 2.0), RFC 7636 (PKCE): https://www.rfc-editor.org/rfc/rfc6749, https://www.rfc-editor.org/rfc/rfc7636
//   - OpenID Connect Core 1.0 and Discovery 1.0: https://openid.net/specs/openid-connect-core-1_0.html
package webuntis
