// Package leaguefake is league/oauth2-server's behaviour for the in-process
// fakes of the vendors that run it (unisignin/unisignintest,
// justimmo/justimmotest): its authorize and token endpoints, its grants, its
// error bodies by version. Each vendor fake adds its paths, clients, users,
// lifetimes and documented quirks.
//
// # What it follows
//
// league/oauth2-server's source (versions 5 to 9), not the client in this
// module:
//
//   - token parameters come from the parsed form body only
//     (AbstractGrant::getRequestParameter reads getParsedBody()): a query
//     string is ignored, and a body that is not
//     application/x-www-form-urlencoded parses to nothing, so grant_type is
//     missing and the answer is unsupported_grant_type;
//   - client_id and client_secret come from the body; with [Server.BasicAuth]
//     also from a Basic header, base64-decoded and split at the first ':'
//     without URL-decoding (AbstractGrant::getBasicAuthCredentials);
//   - a redirect_uri must be one of the client's, exactly, except that a
//     loopback one matches on any port (RFC 8252 §7.3,
//     [fakeidp.RedirectRegistered]);
//   - authorization codes work once; refresh tokens rotate: a refresh revokes
//     the access and refresh token it was issued with;
//   - PKCE: a code_challenge (method plain or S256) binds the code to a
//     code_verifier, both of RFC 7636's form unless the vendor narrows it;
//   - errors are OAuthServerException's bodies, shaped by [Version].
package leaguefake
