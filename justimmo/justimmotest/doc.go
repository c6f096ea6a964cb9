// Package justimmotest runs an in-process fake of Justimmo's OAuth and API
// servers, for tests of code that uses the justimmo package, the way
// net/http/httptest runs a fake HTTP server.
//
// # What it follows
//
// The vendor's page (docs/vendors/justimmo.md, from
// https://api-docs.justimmo.at/partner/oauth.html) and the
// league/oauth2-server (≤ 7) behaviour underneath it, not the client in this
// module. Two servers, as the vendor has two hosts:
//
//   - the auth server ([Server.AuthURL]): GET /authorize with
//     response_type=code, client_id and a registered redirect_uri (matched
//     exactly, except that a registered loopback one — http://127.0.0.1,
//     http://[::1], http://localhost — matches on any port, RFC 8252
//     §7.3), answering
//     with code (and state, when sent) for the logged-in user, or with
//     error=access_denied&message=…&hint=… when the user declines
//     ([Server.Deny]); POST /access_token with the authorization_code,
//     refresh_token and client_credentials grants;
//   - the API server ([Server.APIURL]): GET /oauth/user/current with a
//     user's Bearer token answers {"id":…,"tenant":{"id":…}}.
//
// Lifetimes are the vendor's (docs/vendors/justimmo.md#grants): codes 1
// minute, access tokens 1 day, refresh tokens 1 month; client-credentials
// tokens answer expires_in 2678400, as the vendor's example does (its table
// says 1 day). Refresh tokens rotate: a refresh revokes the token used.
//
// Client credentials are read from the form body only, as the vendor
// documents them for every grant: a Basic header is not looked at, so a
// request carrying its credentials there has no client_id, and is answered
// as league answers that (invalid_request, "Check the `client_id`
// parameter"). Every parameter comes from the body; the query string is
// ignored.
//
// Error bodies are league ≤ 7's {"error","message","hint"}, with the vendor's
// exact answers (docs/vendors/justimmo.md#errors): an expired code is
// invalid_request with hint "Authorization code has expired", an expired
// refresh token invalid_request with hint "Refresh token has expired" (HTTP
// 400, the status of league's invalid_request; the vendor gives none), a
// wrong client invalid_client "Client authentication failed" (HTTP 401). A
// used (rotated) refresh token is league 7's invalidRefreshToken:
// invalid_request, HTTP 401, hint "Token has been revoked".
//
// Where the vendor is silent the fake chooses, and says so: PKCE is
// checked when a challenge was sent (as league does once enabled); the
// redirect_uri is required at the exchange when the authorization request
// carried one (league, RFC 6749 §4.1.3); the API answers a missing or dead
// token, and a client-credentials token on the current-user endpoint, with
// league's access_denied body (HTTP 401 and 403).
//
// What every fake offers, and the names they share, are in
// [github.com/seed-e8f4a5f7/oauthkit/oauthkittest].
package justimmotest
