// Package unisignin is UniSignIn's OAuth2 server behind the
// [oauthkit.Provider] interface: single sign-on for web applications and
// apps, a password grant, and the user's profile.
//
// UniSignIn runs Laravel Passport, that is league/oauth2-server: parameters
// travel in the form body, refresh tokens rotate, and errors carry league's
// hint and message (internal/league holds what it shares with Justimmo).
//
// # Web flow
//
// With Config.ClientSecret set, [Provider.AuthCodeURL] builds
// {BaseURL}/oauth/v2/authorize?response_type=code&client_id=…&redirect_uri=…&scope=public&state=…
// (plus PKCE, below), and [oauthkit.Complete] checks the state, then
// exchanges the code at {BaseURL}/oauth/v2/access_token with client_id,
// client_secret, code, grant_type=authorization_code and redirect_uri (and
// code_verifier) in the form body, and fetches the profile
// ([Provider.User]) for [oauthkit.Login.UserInfo]. The profile's id is the
// Subject exactly as the vendor sent it; an id that would need altering
// (empty, over [MaxUserIDLen] bytes, control characters) is refused with
// [ErrInvalidUserID]. Email and name are sanitized, for display only.
//
// # App flow and PKCE
//
// Without a client secret the provider is a public client (RFC 6749 §2.1):
// the authorize URL carries code_challenge and code_challenge_method=plain,
// and the exchange sends code_verifier instead of a secret. UniSignIn
// narrows RFC 7636: the verifier "must contain only letters and numbers",
// more than 48 and fewer than 128 of them, so the usual base64url verifier
// (x/oauth2's GenerateVerifier, 43 characters with - and _) is refused; this
// package makes 64 letters and digits.
//
// The web flow sends the same PKCE, beyond the vendor's web example: the
// design rule is PKCE wherever the vendor allows it, league/oauth2-server
// (≥ 8) checks a challenge from any client, and it stops a code stolen from
// another login from being injected into this one.
//
// # Password grant
//
// [Provider.PasswordToken] posts grant_type=password with the user's email
// and password and scope=public. The password is an [oauthkit.Secret] and
// never appears in an error.
//
// # Refresh tokens rotate
//
// [Provider.Refresh] returns a new refresh token and UniSignIn revokes the
// one used: store the new one in its place. When the refresh token is dead
// (expired, revoked, already used), [oauthkit.NeedsLogin] reports true for
// the error, whichever league version answered.
//
// # Cached tokens
//
// Provider.UserTokenSource ([oauthkit.UserTokenProvider]) keeps a user's
// login (from [oauthkit.Complete] or [Provider.PasswordToken]) alive:
// served from Config.Cache and renewed with [Provider.Refresh] ahead of
// expiry. Because the refresh token rotates, the source refreshes once at a
// time per user, always with the newest refresh token — however many
// goroutines or sources use it — and Config.Cache's OnTokenChange reports
// each new token with the user it belongs to, so the application can store
// the rotated refresh token in that user's place.
//
// # Not offered
//
// [Provider.ClientCredentials] reports errors.ErrUnsupported: the vendor
// documents no client-credentials grant. UniSignIn has no discovery
// document; [Provider.Discover] returns the documented endpoints.
//
// # References
//
//   - UniSignIn OAuth2 Server:
//     https://www.unisignin.com/docs/features/oauth2-server (summary:
//     docs/vendors/unisignin.md)
//   - RFC 6749 (OAuth 2.0): https://www.rfc-editor.org/rfc/rfc6749
//   - RFC 7636 (PKCE): https://www.rfc-editor.org/rfc/rfc7636
//   - RFC 6750 (Bearer tokens): https://www.rfc-editor.org/rfc/rfc6750
//   - league/oauth2-server: https://oauth2.thephpleague.com/
package unisignin
