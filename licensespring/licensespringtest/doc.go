// Package licensespringtest runs an in-process fake of LicenseSpring's
// license-user single sign-on — the License API's sso_url and
// activate_license endpoints and the Keycloak realm behind them — for tests
// of code that uses the licensespring package, the way net/http/httptest
// runs a fake HTTP server.
//
// # What it follows
//
// The vendor's documentation (restated in docs/vendors/licensespring.md,
// which links the vendor's pages), and Keycloak's observable behaviour, not
// the client in this module:
//
//   - every License API request is checked for its signature: Date and
//     Authorization present (else missing_headers); the Authorization
//     parameters algorithm, headers, signature and apikey present (else
//     authorization_missing_params) and well-formed (else
//     authorization_invalid_headers; hmac_required for another algorithm);
//     the API key known (else invalid_api_key); the Date an RFC 7231
//     IMF-fixdate at most 15 minutes from the fake's clock (else
//     date_header_diff); the signature the
//     base64 HMAC-SHA256 of "licenseSpring\ndate: <Date>" under the shared
//     key's UTF-8 bytes (else signature_mismatch). Errors are
//     {"status", "code", "message"} with HTTP 400;
//   - GET /api/v4/sso_url/ needs product and customer_account_code (else
//     missing_parameters), a known product (else unknown_product), and
//     answers the realm's authorization URL — scope, response_type,
//     client_id, redirect_uri, kc_idp_hint — with openid_configuration
//     (unless [Options.OmitOpenIDConfiguration]);
//   - the realm, issuer {URL}/realms/user-portal: discovery, JWKS
//     (.../protocol/openid-connect/certs), the authorization endpoint (code
//     in the query; implicit tokens in the fragment, nonce required), and
//     the token endpoint for authorization_code and refresh_token as a
//     public client, with Keycloak's PKCE rules: a challenge sent at
//     authorization needs the verifier, a verifier without a challenge is
//     refused; its ID tokens carry sid, as Keycloak's do;
//   - the realm's revocation endpoint (.../protocol/openid-connect/revoke,
//     advertised as revocation_endpoint, RFC 7009): POST, a form body, the
//     public client's client_id and no Authorization header (else
//     invalid_client), token once and in the body, token_type_hint
//     refresh_token, access_token or none (else unsupported_token_type); it
//     forgets a refresh or access token — a later refresh with it fails with
//     invalid_grant — and answers 200 for a token it does not know
//     ([Server.Revocations] lists what it did, without the tokens);
//   - back-channel logout (OpenID Connect Back-Channel Logout 1.0): the
//     discovery document says backchannel_logout_supported and
//     backchannel_logout_session_supported; [Server.LogoutToken] mints the
//     logout token Keycloak sends (JOSE typ logout+jwt, or JWT as before
//     Keycloak 25 with [Options.LogoutTokenType]; iss, aud, iat, exp, jti,
//     sub, sid, the back-channel logout event),
//     [Server.BrokenLogoutToken] one with a [Flaw] a verifier must refuse,
//     and [Server.BackchannelLogout] posts one to an application's
//     back-channel logout URL as logout_token, form-encoded;
//   - RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, as
//     Keycloak 18 and later serve it) at the end_session_endpoint that
//     discovery and the sso_url answer name,
//     .../protocol/openid-connect/logout: GET or POST (form);
//     id_token_hint an ID token of the realm (its key, iss, aud, typ "ID";
//     an expired one accepted), client_id the realm's client and the hint's
//     azp, post_logout_redirect_uri only with one of them and only when
//     registered ([Options.PostLogoutRedirectURLs]), the legacy
//     redirect_uri refused — each with Keycloak's 400 page ("Invalid
//     redirect uri", "Invalid parameter: id_token_hint", ...), never
//     repeating a token. The hint's session (its sid) ends: its access and
//     refresh tokens are revoked (a later refresh fails with invalid_grant,
//     "Session not active"), its codes no longer redeem, and
//     [Server.Logouts] names its sub and sid, as a back-channel logout
//     token for it would. The browser goes to post_logout_redirect_uri with
//     state, or sees "You are logged out". Without a hint Keycloak asks
//     "Do you want to log out?" first;
//   - POST /api/v4/activate_license checks the payload's shape (product,
//     hardware_id, customer_account_code, exactly one of code and id_token)
//     and redeems the code as LicenseSpring would, at the realm and without
//     a PKCE verifier — so a code whose request carried a challenge fails,
//     as it would against the real Keycloak.
//
// Where the vendor's pages are silent the fake chooses, and says so: an
// unknown customer account is customer_not_found; an enabled loopback
// redirect URI (http://127.0.0.1, http://[::1], http://localhost) matches
// on any port, at sso_url and at the realm (RFC 8252 §7.3), every other one
// exactly; a redirect_uri not enabled,
// an unknown parameter or response_type is validation_error; a missing
// response_type means the implicit grant (the vendor's prose,
// docs/vendors/licensespring.md#response-type); the implicit URL asks for
// response_type "id_token token" (so that Keycloak returns both tokens the
// vendor describes); a bad code or ID token at activation is
// sso_authentication_failed; codes live one minute and work once; access and
// ID tokens live 300 s; refresh tokens rotate; logout tokens live two
// minutes; a user who cancels ([Server.Deny]) is sent back with
// error=access_denied, the state and iss; the valid post-logout redirect
// URIs are, unless set, Keycloak's "+" (the redirect URIs) and the root of
// each redirect URI's origin (http://127.0.0.1/ on any port by default,
// where a package web handler's logout returns); a logout without a hint,
// once confirmed, ends every session of the signed-in user (the fake has no
// browser cookie to tell which), and no logout ends the signed-in user
// ([Server.SetUser]): the customer's identity provider keeps its session.
//
// What every fake offers, and the names they share, are in
// [github.com/seed-e8f4a5f7/oauthkit/oauthkittest].
package licensespringtest
