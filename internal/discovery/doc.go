// Package discovery is the OpenID Connect half of every OIDC vendor: the
// discovery document, fetched once and kept, and ID-token verification with
// go-oidc, its failures sorted into oauthkit's sentinels.
//
// The discovery document is fetched here rather than by oidc.NewProvider so
// that it goes through the same size limit, timeout, retries and typed errors
// as every other request (go-oidc reads it without a limit and puts the whole
// body in its error). The key set and every signature and claim check are
// go-oidc's.
package discovery
