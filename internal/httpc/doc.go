// Package httpc sends the library's HTTP requests: each attempt bounded by
// the caller's context and a timeout, each response body read through a size
// limit, redirects never followed, and transient failures retried by the
// policy in retry.go.
//
// Redirects are not followed because a token request carries credentials in
// its body, and Go's client resends a body on 307/308 to wherever the
// redirect points; a redirect answer is returned to the caller as it is.
package httpc
