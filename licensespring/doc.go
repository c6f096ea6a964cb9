// Package licensespring is LicenseSpring's license-user single sign-on
// behind the [oauthkit.Provider] interface: the HMAC-signed sso_url lookup
// in the License API, the Keycloak login it points to, ID-token
// verification, and the credentials LicenseSpring's activate_license call
// takes afterwards.
//
// # Signing License API requests
//
// Every License API request carries a Date header (RFC 7231 IMF-fixdate,
// GMT) and an Authorization header
//
//	algorithm="hmac-sha256",headers="date",signature="<sig>",apikey="<API key>"
//
// where <sig> is standard base64 of HMAC-SHA256 over
// "licenseSpring\ndate: <Date>", keyed with the shared key's UTF-8 bytes.
// LicenseSpring refuses a Date more than 15 minutes old (date_header_diff).
// [Signer] does this for any request: [Signer.Sign] for one request,
// [Signer.Transport] for an http.Client, [Signer.Header] for other stacks.
// The shared key is an [oauthkit.Secret] and appears in no error or
// formatted value.
//
// # The SSO URL
//
// [Provider.SSOURL] asks GET /api/v4/sso_url/ for the configured product
// and customer account. The answer is a Keycloak authorization URL with
// client_id, redirect_uri, scope and kc_idp_hint already set, and,
// optionally, the realm's issuer and endpoints. It depends only on the
// configuration, so the first good answer is kept; a failed one is not.
// License API errors ({status, code, message}) become [*oauthkit.Error]
// values whose Code is the vendor's code ([ErrSignatureMismatch],
// [ErrDateHeaderDiff], …) and whose Advice names the documented cause.
//
// # Two grants, two uses of a login
//
// Config.ResponseType picks the grant. With "code" the redirect carries a
// single-use authorization code in its query; with "token" (implicit) it
// carries id_token, access_token, expires_in and token_type in its
// fragment.
//
// A code can be spent once, either by LicenseSpring (activate_license) or
// by the application (the Keycloak token endpoint), so the package keeps
// the two paths apart:
//
//   - to activate a license: [Provider.ActivationURL], then
//     [Provider.CompleteActivation], which checks the callback's state and
//     returns [ActivationCredentials] holding the code, without exchanging
//     it. No PKCE: LicenseSpring redeems the code without a verifier, and
//     Keycloak refuses a verifier-less redemption of a code whose request
//     carried a challenge.
//   - to learn who logged in: [Provider.AuthCodeURL] (state, nonce, PKCE
//     S256), then [oauthkit.Complete], which exchanges the code as a public
//     client and verifies the ID token. [Provider.ActivationFromLogin] then
//     turns the verified ID token into activation credentials, if the
//     application wants both.
//
// Each refuses the other's AuthRequest ([ErrWrongFlow]). With "token" there
// is one path: [Provider.AuthCodeURL] (or ActivationURL, the same), then
// [Provider.CompleteImplicit] with the fragment a page at the redirect URI
// posts back — state checked in constant time and once only, ID token
// verified including the nonce and at_hash — then
// [Provider.ActivationFromLogin].
//
// # Cached tokens
//
// Provider.UserTokenSource ([oauthkit.UserTokenProvider]) keeps a license
// user's login (from [oauthkit.Complete]) alive: served from Config.Cache
// and renewed at the Keycloak token endpoint with [Provider.Refresh] ahead
// of expiry, one refresh at a time, each with the newest refresh token
// (Keycloak may rotate them). Config.Cache's OnTokenChange reports each new
// token with the user it belongs to, for storage. There are no cached
// client-credentials methods: the License API signs requests instead.
//
// # Back-channel logout and revocation
//
// LicenseSpring's login is Keycloak, which offers both
// (docs/vendors/licensespring.md#logout-and-revocation).
// [Provider.VerifyLogoutToken] ([oauthkit.LogoutTokenVerifier]) verifies the
// logout token Keycloak posts to a client's back-channel logout URL when a
// session ends there (OpenID Connect Back-Channel Logout 1.0 §2.6): the
// realm's signature, iss, aud, exp, iat within ten minutes, the event, sub
// and/or sid (the sid of that session's ID tokens), a jti, no nonce, and a
// JOSE typ of logout+jwt (Keycloak 25 and later) or JWT (earlier) when it
// has one. [Provider.RevokeToken] ([oauthkit.TokenRevoker]) revokes a
// refresh or access token at the realm's revocation_endpoint (RFC 7009) as
// the same public client the token endpoint knows. Keycloak sends logout tokens only to the back-channel
// logout URL configured on its client, which LicenseSpring administers.
//
// # Where the vendor's documents disagree
//
//   - The default response type (docs/vendors/licensespring.md#response-type):
//     the parameter table says "defaults to code", the text below it that
//     the implicit grant is the default. The response type is always sent.
//   - redirect_uri: the vendor's current page lists it as an optional
//     sso_url parameter (docs/vendors/licensespring.md#sso-url); an older
//     version's request schema did not (and forbade additional properties).
//     It is sent only when Config.RedirectURL is set.
//   - openid_configuration: in the vendor's response schema but not required
//     by it (docs/vendors/licensespring.md#answer). When it is absent, the
//     issuer is derived from the URL by Keycloak's layout
//     ({issuer}/protocol/openid-connect/auth) and the token endpoint from the
//     issuer's discovery document.
//
// # References
//
//   - LicenseSpring License API, "Single Sign-On URL": https://docs.licensespring.com/license-api/single-sign-on-url
//   - Request signing, error codes, activation, in our words: docs/vendors/licensespring.md
//   - LicenseSpring License API error list: https://docs.licensespring.com/license-api/error-responses
//   - RFC 2104 (HMAC): https://www.rfc-editor.org/rfc/rfc2104
//   - RFC 7231 §7.1.1.1 (IMF-fixdate): https://www.rfc-editor.org/rfc/rfc7231#section-7.1.1.1
//   - RFC 6749 (OAuth 2.0: §4.1 code, §4.2 implicit): https://www.rfc-editor.org/rfc/rfc6749
//   - RFC 7636 (PKCE): https://www.rfc-editor.org/rfc/rfc7636
//   - OpenID Connect Core 1.0 (§3.1 code flow, §3.2 implicit flow) and Discovery 1.0: https://openid.net/specs/openid-connect-core-1_0.html
//   - Keycloak OpenID Connect endpoints: https://www.keycloak.org/securing-apps/oidc-layers
//   - OpenID Connect Back-Channel Logout 1.0: https://openid.net/specs/openid-connect-backchannel-1_0.html
//   - RFC 7009 (token revocation): https://www.rfc-editor.org/rfc/rfc7009
package licensespring
