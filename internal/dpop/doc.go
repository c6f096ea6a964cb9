// Package dpop makes DPoP proofs (RFC 9449, OAuth 2.0 Demonstrating Proof
// of Possession): a client key ([Key], ES256 by default, checked against
// a server's dpop_signing_alg_values_supported by [Key.CheckAlgorithm]), a
// fresh signed proof per request ([Key.Proof]: typ dpop+jwt, the public
// key in the header's jwk, htm, htu without query and fragment, iat, a
// unique jti, the server's nonce when it gave one, ath for a resource
// request), the nonces servers hand out, remembered per server — the
// authorization server's apart from the resource servers', each by origin
// ([Nonces]) — and the transport that sends a DPoP-bound access token to a
// resource server ([Transport]). The proofs are signed with go-jose;
// nothing here signs by hand.
package dpop
