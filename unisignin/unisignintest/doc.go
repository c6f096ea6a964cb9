// Package unisignintest runs an in-process fake of a UniSignIn
// organization's OAuth2 server, for tests of code that uses the unisignin
// package, the way net/http/httptest runs a fake HTTP server.
//
// # What it follows
//
// The vendor's page (docs/vendors/unisignin.md, from
// https://www.unisignin.com/docs/features/oauth2-server) and the behaviour
// of league/oauth2-server underneath it (Laravel Passport), not the client
// in this module:
//
//   - GET /oauth/v2/authorize with response_type=code, client_id, a
//     whitelisted redirect_uri (matched exactly, except that a whitelisted
//     loopback one — http://127.0.0.1, http://[::1], http://localhost —
//     matches on any port, RFC 8252 §7.3), scope (only "public" is known) and state; it
//     redirects with code and state for the logged-in user ([Server.SetUser]),
//     or with error=access_denied when the user declines ([Server.Deny]);
//   - PKCE as UniSignIn narrows it (docs/vendors/unisignin.md#pkce):
//     code_challenge and code_verifier hold only letters and digits, more
//     than 48 and fewer than 128 of them;
//     the app client, which has no secret, must send one (league ≥ 8);
//   - POST /oauth/v2/access_token with every parameter in the form body
//     (league ignores the query string): authorization_code, password and
//     refresh_token grants; no client_credentials (the vendor documents
//     none: unsupported_grant_type). client_id and client_secret in the form
//     body (docs/vendors/unisignin.md#client-authentication): a Basic header
//     is not read, so credentials sent only there are a missing client_id;
//   - refresh tokens rotate: a refresh revokes the refresh token used and the
//     access token issued with it;
//   - GET /oauth/v2/user?client_id=… with the Bearer token returns the
//     user's profile;
//   - errors are league's bodies, {error, error_description, hint, message}
//     (league 8, Passport 10–12); Options.LeagueVersion picks 7 or 9.
//
// Where the vendor is silent the fake chooses, and says so: the profile is
// {"id": <number>, "email", "name", "first_name", "last_name", …Extra}; codes
// live 10 minutes; access tokens 3599 s (the vendor's sample expires_in);
// refresh tokens one month (league's default); the user endpoint answers 401
// {"message":"Unauthenticated."} without a live token, as Laravel does.
//
// What every fake offers, and the names they share, are in
// [github.com/seed-e8f4a5f7/oauthkit/oauthkittest].
package unisignintest
