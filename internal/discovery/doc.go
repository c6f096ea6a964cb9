// Package discovery is the OpenID Connect half of every OIDC vendor: the
// discovery document, fetched once and kept, ID-token verification with
// go-oidc, its failures sorted into oauthkit's sentinels, and back-channel
// logout-token verification ([LogoutVerifier], OpenID Connect Back-Channel
// Logout 1.0 §2.6: https://openid.net/specs/openid-connect-backchannel-1_0.html),
// go-oidc's checks plus the ones it leaves out (the JOSE typ, the event's
// shape, iat, azp), every refusal wrapping oauthkit.ErrInvalidLogoutToken.
//
// The discovery document is fetched here rather than by oidc.NewProvider so
// that it goes through the same size limit, timeout, retries and typed errors
// as every other request (go-oidc reads it without a limit and puts the whole
// body in its error). The key set and every signature and claim check are
// go-oidc's.
package discovery
