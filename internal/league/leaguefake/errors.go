package leaguefake

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Version is the league/oauth2-server major version whose error bodies and
// codes a fake answers with.
type Version int

// The versions that differ on the wire.
const (
	// V7 (and earlier): {"error","message","hint"}; a dead refresh token is
	// invalid_request with HTTP 401; wrong user credentials are
	// invalid_credentials with HTTP 401.
	V7 Version = 7
	// V8: {"error","error_description","hint","message"} (message kept as a
	// deprecated copy of error_description); a dead refresh token and wrong
	// user credentials are invalid_grant with HTTP 400.
	V8 Version = 8
	// V9: {"error","error_description","hint"}.
	V9 Version = 9
)

// Error is an OAuthServerException: HTTP status, error code, message and
// optional hint.
type Error struct {
	Status  int
	Code    string
	Message string
	Hint    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s %s", e.Code, e.Status, e.Message, e.Hint)
}

// Payload is the error's body as v writes it.
func (v Version) Payload(e *Error) map[string]string {
	p := map[string]string{"error": e.Code}
	switch {
	case v <= V7:
		p["message"] = e.Message
	case v == V8:
		p["error_description"] = e.Message
		p["message"] = e.Message
	default:
		p["error_description"] = e.Message
	}
	if e.Hint != "" {
		p["hint"] = e.Hint
	}
	return p
}

// Write answers r with e as JSON. invalid_client carries WWW-Authenticate
// when the request had an Authorization header (OAuthServerException::
// getHttpHeaders, after RFC 6749 §5.2).
func (v Version) Write(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Code == "invalid_client" && r.Header.Get("Authorization") != "" {
		scheme := "Basic"
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer") {
			scheme = "Bearer"
		}
		w.Header().Set("WWW-Authenticate", scheme+` realm="OAuth"`)
	}
	fakeidp.WriteJSON(w, e.Status, v.Payload(e))
}

// Redirect sends the browser back to redirectURI with e in the query, state
// first, as OAuthServerException::generateHttpResponse does for an error
// with a redirect URI.
func (v Version) Redirect(w http.ResponseWriter, r *http.Request, redirectURI, state string, e *Error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	for k, val := range v.Payload(e) {
		q.Set(k, val)
	}
	http.Redirect(w, r, withQuery(redirectURI, q), http.StatusFound)
}

func withQuery(redirectURI string, q url.Values) string {
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
	}
	return redirectURI + sep + q.Encode()
}

// League's messages (OAuthServerException).
const (
	MsgInvalidRequest = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	MsgInvalidClient  = "Client authentication failed"
	MsgUnsupported    = "The authorization grant type is not supported by the authorization server."
	MsgInvalidScope   = "The requested scope is invalid, unknown, or malformed"
	MsgCredentials    = "The user credentials were incorrect."
	MsgRefreshToken   = "The refresh token is invalid."
	MsgAccessDenied   = "The resource owner or authorization server denied the request."
	MsgInvalidGrant   = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
)

// InvalidRequest is OAuthServerException::invalidRequest: HTTP 400, the hint
// defaulting to "Check the `param` parameter".
func InvalidRequest(param, hint string) *Error {
	if hint == "" {
		hint = fmt.Sprintf("Check the `%s` parameter", param)
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: MsgInvalidRequest, Hint: hint}
}

// InvalidClient is OAuthServerException::invalidClient: HTTP 401, no hint.
func InvalidClient() *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_client", Message: MsgInvalidClient}
}

// UnsupportedGrantType is OAuthServerException::unsupportedGrantType.
func (v Version) UnsupportedGrantType() *Error {
	hint := "Check the `grant_type` parameter"
	if v >= V9 {
		hint = "Check that all required parameters have been provided"
	}
	return &Error{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Message: MsgUnsupported, Hint: hint}
}

// InvalidScope is OAuthServerException::invalidScope.
func InvalidScope(scope string) *Error {
	hint := "Specify a scope in the request or set a default scope"
	if scope != "" {
		hint = fmt.Sprintf("Check the `%s` scope", scope)
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_scope", Message: MsgInvalidScope, Hint: hint}
}

// AccessDenied is OAuthServerException::accessDenied.
func AccessDenied(hint string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "access_denied", Message: MsgAccessDenied, Hint: hint}
}

// InvalidGrant is OAuthServerException::invalidGrant.
func InvalidGrant(hint string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_grant", Message: MsgInvalidGrant, Hint: hint}
}

// InvalidRefreshToken is OAuthServerException::invalidRefreshToken:
// invalid_request with HTTP 401 up to V7, invalid_grant with HTTP 400 after.
func (v Version) InvalidRefreshToken(hint string) *Error {
	if v <= V7 {
		return &Error{Status: http.StatusUnauthorized, Code: "invalid_request", Message: MsgRefreshToken, Hint: hint}
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_grant", Message: MsgRefreshToken, Hint: hint}
}

// InvalidCredentials is OAuthServerException::invalidCredentials (wrong
// username or password): invalid_credentials with HTTP 401 up to V7,
// invalid_grant with HTTP 400 after.
func (v Version) InvalidCredentials() *Error {
	if v <= V7 {
		return &Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Message: MsgCredentials}
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_grant", Message: MsgCredentials}
}

// CodeRejected is the error for an authorization code that is expired,
// revoked or not this client's: invalid_request up to V7
// (AuthCodeGrant::validateAuthorizationCode), invalid_grant after.
func (v Version) CodeRejected(hint string) *Error {
	if v <= V7 {
		return InvalidRequest("code", hint)
	}
	return InvalidGrant(hint)
}
