// Package webuntistest runs an in-process fake of the WebUntis SSO v3 server,
// for tests of code that uses the webuntis package, the way net/http/httptest
// runs a fake HTTP server.
//
// # What it follows
//
// The vendor's documentation (restated in docs/vendors/webuntis.md, which
// links the vendor's pages), not the client in this module:
//
//   - discovery at {base}/.well-known/openid-configuration, with
//     base = {URL}/WebUntis/api/sso/v3/{tenant}, and a JWKS;
//   - GET {base}/authorize with response_type=code, client_id, a registered
//     redirect_uri matched exactly (else "invalid_ressource", their
//     spelling) — except that a registered loopback one (http://127.0.0.1,
//     http://[::1], http://localhost) matches on any port, as RFC 8252 §7.3
//     asks of servers —, scope and nonce (else the redirect carries
//     error=invalid_request: a client that forgets the nonce fails here as
//     against WebUntis); it redirects with code and state for the logged-in
//     WebUntis user (an active WebUntis session is needed, see
//     [Server.SetUser]), and the ID token carries the nonce;
//   - POST {base}/token, Content-Type application/x-www-form-urlencoded
//     required: authorization_code with client_id and client_secret (the OIDC
//     secret) as parameters; client_credentials with grant_type in the body
//     and Basic auth of client id and platform password, base64 of the raw
//     "id:password" (no URL-decoding). The wrong one of the two credentials
//     answers invalid_grant (docs/vendors/webuntis.md#two-credentials); any
//     other wrong credential invalid_client (HTTP 401). Client-credentials
//     tokens live 180 s;
//   - GET {URL}/ims/oneroster/v1p1/users with the Bearer token, to show a
//     token at work.
//
// Where the vendor's pages are silent the fake chooses, and says so: codes
// live 5 minutes and work once, login tokens live 300 s, no refresh tokens
// are issued (the discovery document lists no refresh_token grant), PKCE is
// checked when a challenge was sent and must be S256 (the method its
// discovery document lists), errors are RFC 6749 §5.2 JSON, a user who
// cancels ([Server.Deny]) is sent back with error=access_denied and the
// state (RFC 6749 §4.1.2.1), and a registered loopback redirect URL
// matches on any port (RFC 8252 §7.3).
//
// What every fake offers, and the names they share, are in
// [github.com/seed-e8f4a5f7/oauthkit/oauthkittest].
package webuntistest
