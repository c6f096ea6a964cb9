// Package fakeidp is the machinery the in-process vendor fakes
// (webuntis/webuntistest and its siblings) are built from: a signing key and
// its JWKS, single-use authorization codes, issued access tokens, request
// counters, fault injection and small JSON writers. Each fake composes these
// into its vendor's documented wire protocol; nothing here knows a vendor.
package fakeidp
