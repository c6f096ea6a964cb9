// Package openid is a [oauthkit.Provider] for any OpenID Connect provider
// or OAuth 2.0 authorization server — Keycloak, Auth0, Okta, Entra ID,
// Google, a company's own — configured by its issuer URL, or by its
// endpoints for a server without discovery. Package web, package
// tokencache and its Redis store work with it as they do with the vendor
// packages. docs/vendors/openid.md says what it does on the wire, with the
// specifications' sections.
//
// # Discovery
//
// The metadata (OpenID Connect Discovery 1.0, or RFC 8414 when Scopes
// lacks "openid") is fetched on first use, through the same bounded,
// retrying client as every request, and must name Config.Issuer exactly.
// It is fetched again once it has aged — its Cache-Control max-age,
// between a minute and a day, an hour without one — and when an ID token
// is signed by a key the keys do not hold (the jwks_uri may have moved); a
// failed re-fetch keeps the last good document. The key set is go-oidc's,
// which fetches the keys again on an unknown kid.
//
// # Logins
//
// [Provider.AuthCodeURL] asks for a code with state, nonce, PKCE S256
// (RFC 7636; on unless Config.InsecureDisablePKCE), Config.MaxAge and
// Config.ACRValues, and the options' prompt, login_hint and scopes.
// [oauthkit.Complete] then checks the callback — state, and the RFC 9207
// iss, required when the metadata says
// authorization_response_iss_parameter_supported — exchanges the code,
// verifies the ID token ([Provider.VerifyIDToken]: signature, iss, aud,
// azp, exp, iat, nonce, and auth_time against max_age) and asks the
// userinfo endpoint ([Provider.FetchUserInfo]; a signed answer is
// verified too).
//
// # Pushed authorization requests
//
// When the server requires them (require_pushed_authorization_requests) or
// Config.PushedAuthorizationRequests is set, AuthCodeURL POSTs the whole
// authorization request to the pushed_authorization_request_endpoint (RFC
// 9126) with the token endpoint's client authentication, and the URL
// carries only client_id and the request_uri; AuthRequest.RequestURIExpiresAt
// is when that stops being accepted. docs/par.md says what is supported.
//
// # Devices
//
// [Provider.DeviceAuthorization] starts a Device Authorization Grant (RFC
// 8628): a user code and a verification URI for the user, a device code
// (a Secret) for the client. [Provider.PollDevice] polls for the tokens,
// honouring interval, authorization_pending, slow_down (five seconds more
// each time), access_denied, expired_token and the context, each poll sent
// once (no HTTP retry, which would come sooner than the interval) and a
// poll without an answer, or answered 429 or 5xx, followed by a slower one;
// [Provider.DeviceLogin] then verifies the ID token and fetches the
// profile, as [oauthkit.Complete] does for a browser login. docs/device.md
// says what is supported.
//
// # Client authentication
//
// The token, revocation and introspection endpoints get the client
// authentication of Config.AuthMethod, or, when it is zero, the one the
// server's token_endpoint_auth_methods_supported allows for the configured
// credential: private_key_jwt with Config.ClientKey (RFC 7523: RS256,
// ES256 or EdDSA, signed by go-jose; the key may stay in a KMS behind a
// crypto.Signer or a Sign callback), client_secret_basic (id and secret
// form-encoded first, RFC 6749 §2.3.1) or client_secret_post with
// Config.ClientSecret, none for a public client. client_secret_jwt is not
// implemented: a server that offers only it is a ConfigError. An assertion
// has a fresh random jti and lives a minute; its aud is the issuer
// (draft-ietf-oauth-rfc7523bis), the token endpoint with
// AudienceTokenEndpoint (Entra ID), or the endpoint each request goes to
// with AudienceRequestEndpoint (Okta). A request carrying one is never
// resent once it may have reached the server, which keeps the jti. Errors
// of a pushed authorization request are scrubbed of its state, nonce and
// code_challenge as of the credentials.
//
// # Tokens
//
// [Provider.Refresh] sends a refresh token once (a rotating one is spent by
// its first use); UserTokenSource ([oauthkit.UserTokenProvider]) keeps a
// login alive through Config.Cache, one refresh at a time.
// [Provider.ClientCredentials] gets a server-to-server token; Token,
// TokenSource, Client and InvalidateToken ([oauthkit.TokenProvider],
// [oauthkit.ClientProvider]) serve it from the cache — methods written once
// for every provider and embedded in Provider. [Provider.RevokeToken] (RFC
// 7009; package web's logout calls it; [ErrUnsupportedTokenType] when the
// server does not revoke that type of token) and [Provider.Introspect] (RFC
// 7662; not for a public client) use the metadata's endpoints.
//
// # DPoP
//
// With Config.DPoP ([DPoP]) the tokens are bound to a key of the
// client's (RFC 9449): authorization requests carry dpop_jkt, token and
// userinfo requests a fresh proof signed with go-jose, a use_dpop_nonce
// answer is retried once with the server's nonce (the nonce of every
// answer is kept, the authorization server's apart from the resource
// servers'), a key whose algorithm the server's metadata does not list is
// a configuration error ([ErrDPoPAlgorithm]), and a Bearer answer is
// refused ([ErrDPoPBearer]). The cache keeps each token's
// key thumbprint (the Redis store seals it with the token; the key never
// leaves the process): Token, TokenSource and Client use only tokens bound
// to the Provider's key, and Client sends "Authorization: DPoP" with a
// proof carrying ath. docs/dpop.md has the details.
//
// # Logout
//
// [Provider.EndSessionURL] builds the RP-Initiated Logout URL with
// client_id, id_token_hint, post_logout_redirect_uri and a fresh state
// (an [EndSession] prints and logs with the hint and state redacted);
// [Provider.BuildEndSessionURL] builds it with the caller's post-logout
// URL and state instead, for package web's logout;
// [Provider.VerifyLogoutToken] checks a back-channel logout token, for
// package web's back-channel endpoint.
//
// # Testing
//
// Package openidtest is a strict fake OpenID Provider to test against.
package openid
