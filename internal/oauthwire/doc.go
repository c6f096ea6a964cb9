// Package oauthwire speaks the OAuth 2.0 token endpoint for every vendor:
// it builds the form-encoded POST with the vendor's client authentication,
// sends it through [httpc] (size limit, timeout, retries), and parses the
// token response and the error bodies into [oauth2.Token] and
// [oauthkit.Error]. [Client.Revoke] sends a token revocation (RFC 7009)
// the same way, with the same client authentication.
//
// A token request costs less CPU and fewer allocations than x/oauth2's
// clientcredentials for the same request (BenchmarkClientCredentials,
// BenchmarkClientCredentialsNoNetwork): a flat JSON token response is
// decoded by hand in one pass, anything else by encoding/json, with the same
// result (FuzzDecodeObject); the credentials' encodings that errors are
// scrubbed of are only built for an error.
//
// # Why not x/oauth2's Config.Exchange
//
// golang.org/x/oauth2 is built on and its types are returned, but its token
// request cannot express what these vendors need:
//
//   - WebUntis' client-credentials flow takes Basic credentials as
//     base64(id ":" password) with the parts not URL-escaped (what the vendor's
//     own Postman examples send); x/oauth2's AuthStyleInHeader escapes them
//     (RFC 6749 §2.3.1), which changes any password holding + / = : % &.
//   - league/oauth2-server vendors (UniSignIn, Justimmo) answer errors with
//     "message" and "hint", which x/oauth2's RetrieveError drops.
//   - x/oauth2 neither retries (429, 502–504, Retry-After) nor knows that an
//     authorization code must not be sent twice, nor bounds the response body.
//   - Its AuthStyleAutoDetect probes by sending the credentials a second way
//     after a failure, doubling requests against a vendor that rate limits.
package oauthwire
