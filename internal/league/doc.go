// Package league is what UniSignIn and Justimmo share: both run
// league/oauth2-server (thephpleague/oauth2-server; UniSignIn through Laravel
// Passport), and this package speaks to its token endpoint once for both.
// The vendor packages hold only what differs: URLs, PKCE rules, which grants
// exist, and the advice their documents give.
//
// # What league/oauth2-server expects
//
//   - Token parameters in an application/x-www-form-urlencoded body. league
//     reads them from the parsed body only (AbstractGrant::getRequestParameter
//     reads getParsedBody()); a parameter in the query string is not seen.
//   - Client credentials as client_id and client_secret in that body. league
//     also reads Basic credentials, but does not URL-decode them (it
//     base64-decodes and splits at the first ':'), so an RFC 6749 §2.3.1
//     client that escapes its secret fails; the body is what both vendors
//     document (docs/vendors/unisignin.md#client-authentication,
//     docs/vendors/justimmo.md#client-authentication; see also
//     docs/vendors/league.md#client-authentication), so the body is what is
//     sent.
//   - Refresh tokens that rotate: a refresh answers a new refresh token and
//     revokes the one used (RefreshTokenGrant revokes the old token before
//     issuing the new one). [Endpoint.Refresh] returns the new one; the
//     caller must replace the old one with it.
//
// # Errors by version
//
// league's error bodies changed over its versions, and the vendors run
// different ones:
//
//	≤ 7:  {"error", "message", "hint"}                      refresh token dead: invalid_request, HTTP 401
//	8:    {"error", "error_description", "hint", "message"} refresh token dead: invalid_grant, HTTP 400
//	≥ 9:  {"error", "error_description", "hint"}            refresh token dead: invalid_grant, HTTP 400
//
// oauthwire parses all three into [oauthkit.Error] (Message and Hint kept),
// and [oauthkit.NeedsLogin] recognises a dead refresh token in each:
//
//   - invalid_grant, the RFC 6749 §5.2 code for a refresh token that is
//     "invalid, expired, revoked … or was issued to another client" (≥ 8,
//     HTTP 400);
//   - invalid_request with HTTP 401 (≤ 7: "The refresh token is invalid.",
//     hints "Token has expired", "Token has been revoked", "Cannot decrypt
//     the refresh token");
//   - invalid_request whose hint, message or description says the refresh
//     token has expired, was revoked or is invalid, at any 4xx status
//     (Justimmo's documented {"error":"invalid_request", …, "hint":"Refresh
//     token has expired"}).
//
// NeedsLogin is false for network errors, 5xx, invalid_client (a
// configuration error) and a missing refresh_token parameter: retrying or
// fixing helps there, logging in again does not.
package league
