// Package openidtest is an in-process fake OpenID Provider for tests of
// code that uses package openid, like net/http/httptest: strict where the
// specifications are, so that a client that passes against it follows them.
//
// # What it serves
//
//   - Discovery (OpenID Connect Discovery 1.0, and the same document as RFC
//     8414 metadata), cacheable for Options.DiscoveryMaxAge; a JWKS whose
//     keys rotate ([Server.RotateKeys], [Server.RetireOldKeys]).
//   - The authorization endpoint: registered client and exact redirect URI,
//     response_type=code, PKCE S256 required, nonce required with openid,
//     prompt (none, login), max_age and auth_time, acr_values, and the
//     RFC 9207 iss in every response.
//   - The token endpoint: authorization code (single use; a replayed code
//     revokes what it issued), refresh tokens that rotate (a spent one sent
//     again revokes its whole grant), client credentials; each client
//     authenticated by exactly the method it is registered with —
//     client_secret_basic (form-URL-decoded, RFC 6749 §2.3.1),
//     client_secret_post, private_key_jwt (RFC 7523: signature by the
//     registered key and kid, iss, sub, aud, exp, lifetime, a jti never seen
//     before) or none.
//   - Pushed authorization requests (RFC 9126): a request_uri used once,
//     within Options.PARLifetime; Options.RequirePAR refuses any other
//     authorization request.
//   - The Device Authorization Grant (RFC 8628): user codes the test
//     approves or denies ([Server.ApproveDevice], [Server.DenyDevice]),
//     slow_down to a client polling sooner than Options.DeviceInterval,
//     expired_token past Options.DeviceCodeLifetime.
//   - Userinfo (JSON, or a signed JWT), revocation (RFC 7009),
//     introspection (RFC 7662), RP-Initiated Logout, and back-channel
//     logout tokens ([Server.LogoutToken], [Server.BackchannelLogout]).
//
// # Mix-ups
//
// [Server.SetMixUp] makes it misbehave as an attacker would — another
// issuer in the callback or the discovery document, userinfo or ID tokens
// signed by a key it does not publish — for tests that the client refuses.
package openidtest
