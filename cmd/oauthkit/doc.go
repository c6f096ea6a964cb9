// Command oauthkit tells an integrator what is wrong with a vendor
// integration before any code is written. It runs the vendor's flows with
// this module's own packages (webuntis, unisignin, justimmo, licensespring,
// and openid for any other OpenID Provider), so every diagnosis is the
// library's typed [oauthkit.Error] and its Advice:
//
//	oauthkit doctor <vendor>     check a configuration end to end, one line per check
//	oauthkit token <vendor>      a client-credentials token's type, expiry and scopes
//	oauthkit login <vendor>      a real login through the system browser
//	oauthkit login openid --device   a login on another device (RFC 8628)
//	oauthkit webhook verify      check a captured WebUntis credentials event
//	oauthkit demo                every vendor's flows against the in-process fakes
//
// The module is not yet tagged, so `go install …@latest` fails today;
// install it from a checkout of the repository:
//
//	go install ./cmd/oauthkit
//
// and, once the module is tagged, with
//
//	go install github.com/seed-e8f4a5f7/oauthkit/cmd/oauthkit@latest
//
// `oauthkit help <command> <vendor>` (or `oauthkit <command> <vendor> -h`)
// lists the command's own flags and that vendor's settings, each with its
// environment variable; without a vendor, each vendor's setting names. A
// run that lacks settings the command needs names all of them at once,
// with their flags and environment variables (token webuntis needs the
// platform password, login webuntis the OIDC client secret).
//
// `doctor unisignin` and `doctor justimmo` check a user's --refresh-token
// only with --spend-refresh-token: the check is a refresh, both vendors
// rotate refresh tokens, and doctor keeps no new one, so the token given is
// dead afterwards and the user must log in again. Without the flag the
// check is skipped, saying so.
//
// # Credentials
//
// Each setting comes from a flag, an environment variable
// OAUTHKIT_<VENDOR>_<SETTING> (OAUTHKIT_WEBUNTIS_PASSWORD,
// OAUTHKIT_LICENSESPRING_SHARED_KEY, …) or a JSON file given with --config
// ({"webuntis": {"password": "…"}}), in that order of precedence. Prefer the
// environment or the file for secrets: a flag's value shows in the process
// list and stays in the shell's history, so each secret given as a flag
// (--password, --client-secret, --api-key, --shared-key, --refresh-token)
// gets a warning on stderr naming its environment variable. No command prints
// a secret or a token, in text or with --json, except `token --header`, which
// prints the access token because that is what it is asked for. Nor does it
// print back an argument that may be part of one: once a secret flag is on
// the command line, an error about a stray argument, an unknown vendor or a
// flag that does not parse quotes no argument (`--password foo bar` is most
// likely an unquoted password with a space).
//
// # Any OpenID Provider
//
// The vendor openid is package openid, configured by --issuer and
// --client-id, with --client-secret (client_secret_basic or _post) or
// --client-key-file, a PEM private key, and --key-id (private_key_jwt);
// --auth-method overrides the choice. `doctor openid` checks the discovery
// document and that its issuer is --issuer exactly (a fix line names both
// when they differ), the key set, the token endpoint auth methods the server
// lists and the one the configuration uses and why (a credential that fits
// none of them fails), PKCE S256, RFC 9207 iss, the userinfo, revocation,
// introspection, end-session, pushed authorization request, device
// authorization and back-channel logout endpoints, a client-credentials
// token, the redirect URL and, against a session at the provider (the fake),
// a whole login. `token openid` gets a client-credentials token. `login
// openid --device` logs in with the Device Authorization Grant (RFC 8628,
// docs/device.md): it prints the verification URI and the user code (on
// stderr with --json), polls until the user approves on any device, and
// prints the login as login does; the device code is never printed. With
// --fake the fake's user approves. The other vendors offer no device grant:
// --device fails for them, saying so.
//
// # Fakes
//
// --fake runs any command against the vendor's in-process fake
// (webuntistest, unisignintest, justimmotest, licensespringtest, openidtest)
// instead of
// the vendor, with no network and no credentials. --mixup, with --fake, makes
// one of the mistakes the vendors document, to see what it looks like:
// secret-for-password, password-for-secret, swapped-credentials (WebUntis'
// two credentials, docs/vendors/webuntis.md#two-credentials), clock-skew and
// wrong-shared-key (LicenseSpring's signed requests,
// docs/vendors/licensespring.md#pitfalls), dash-verifier (a UniSignIn app
// flow with a base64url PKCE verifier, docs/vendors/unisignin.md#pitfalls),
// expired-refresh (a Justimmo refresh token past its month,
// docs/vendors/justimmo.md#pitfalls), issuer-trailing-slash,
// discovery-issuer, callback-issuer, foreign-signing-key,
// secret-not-listed and wrong-client-secret (openid: OpenID Connect
// Discovery 1.0 §4.3, RFC 9207, RFC 8414 §2) and unregistered-redirect (any
// vendor). With --fake, openid's --auth-method picks how the fake registers
// its client; for private_key_jwt it makes the client a key, written to a
// temporary PEM file that --client-key-file reads.
//
// # Why the standard library's flag package
//
// The commands are few and their flags simple; flag needs no dependency, so
// installing the CLI pulls in nothing the library does not already use.
// Flags may come before or after the vendor name.
package main
