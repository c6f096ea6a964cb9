package oauthkit

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Error is every failure a vendor reports: an error response from a token,
// user or license endpoint, an error redirect to the callback, or an answer
// that is not what the protocol promises (an HTML 502 page, malformed JSON, a
// body over the size limit). It mirrors RFC 6749 §5.2 and adds what the
// vendors send on top: league/oauth2-server's message and hint, and
// LicenseSpring's status/code/message.
//
// Use [errors.As] to read the fields and [errors.Is] with an [ErrorCode]
// (errors.Is(err, oauthkit.ErrInvalidGrant)) or with the sentinel in Err
// (errors.Is(err, oauthkit.ErrMalformedResponse)) to branch on it.
//
// Every text field is bounded and has the credentials and codes of the request
// removed before the Error is built, so the Error can be logged as it is.
type Error struct {
	Provider   string // "webuntis", "unisignin", "justimmo", "licensespring"
	Op         string // what was being done: "exchange", "client credentials", "refresh", "authorize", …
	StatusCode int    // HTTP status of the answer; 0 for an error redirect to the callback

	Code        string // RFC 6749 "error", or the vendor's own code (LicenseSpring "signature_mismatch")
	Description string // RFC 6749 "error_description"
	Hint        string // league/oauth2-server "hint"
	Message     string // league/oauth2-server or LicenseSpring "message"
	URI         string // RFC 6749 "error_uri"

	// Advice names a known cause the vendor documents for this error and what
	// to do about it. Empty when there is none.
	Advice string

	// Body is a short excerpt of an answer that is not a recognised error body
	// (an HTML error page, say), with markup and secrets removed.
	Body string

	// RetryAfter is the wait the server asked for in a Retry-After header.
	RetryAfter time.Duration

	// Err is the underlying cause when the answer was not a protocol error,
	// such as [ErrMalformedResponse] or [ErrResponseTooLarge]. It may be nil.
	Err error
}

// Error returns one line: provider, operation, code, status and every text
// the vendor sent.
func (e *Error) Error() string {
	var b strings.Builder
	for _, p := range []string{e.Provider, e.Op} {
		if p != "" {
			b.WriteString(p)
			b.WriteString(": ")
		}
	}
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("unexpected response")
	}
	if e.StatusCode != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(")")
	}
	sep := ": "
	add := func(label, v string) {
		if v == "" {
			return
		}
		b.WriteString(sep)
		sep = "; "
		if label != "" {
			b.WriteString(label)
			b.WriteString(": ")
		}
		b.WriteString(v)
	}
	add("", e.Description)
	if e.Message != e.Description {
		add("message", e.Message)
	}
	add("hint", e.Hint)
	if e.Body != "" {
		add("body", strconv.Quote(e.Body))
	}
	if e.RetryAfter > 0 {
		add("retry after", e.RetryAfter.String())
	}
	add("advice", e.Advice)
	return b.String()
}

// Is reports whether target is the [ErrorCode] of this error.
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && e.Code != "" && string(c) == e.Code
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// LogValue implements [slog.LogValuer]: the fields that are set, as a group.
// Nothing in an Error is secret, so nothing more is removed here.
func (e *Error) LogValue() slog.Value {
	if e == nil {
		return slog.StringValue("<nil>")
	}
	attrs := make([]slog.Attr, 0, 12)
	str := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	str("provider", e.Provider)
	str("op", e.Op)
	if e.StatusCode != 0 {
		attrs = append(attrs, slog.Int("status", e.StatusCode))
	}
	str("code", e.Code)
	str("description", e.Description)
	str("message", e.Message)
	str("hint", e.Hint)
	str("uri", e.URI)
	str("body", e.Body)
	if e.RetryAfter > 0 {
		attrs = append(attrs, slog.Duration("retry_after", e.RetryAfter))
	}
	str("advice", e.Advice)
	if e.Err != nil {
		str("cause", e.Err.Error())
	}
	return slog.GroupValue(attrs...)
}

// The operations an [Error] names in Op for the flows every vendor shares.
// Vendor packages name their own operations too ("user", "sso url", …).
const (
	OpAuthorize         = "authorize" // an error redirect to the callback
	OpDiscovery         = "discovery"
	OpExchange          = "exchange"
	OpRefresh           = "refresh"
	OpClientCredentials = "client credentials"
	OpPassword          = "password"
	OpRevoke            = "revoke" // token revocation (RFC 7009)
)

// ErrorCode is an OAuth 2.0 error code, or a vendor's own error code. It is an
// [errors.Is] target for [*Error]:
//
//	errors.Is(err, oauthkit.ErrInvalidGrant)
//	errors.Is(err, oauthkit.ErrorCode("slow_down"))
type ErrorCode string

func (c ErrorCode) Error() string { return "oauth2 error " + string(c) }

// The error codes of RFC 6749 §4.1.2.1 and §5.2 and OpenID Connect Core §3.1.2.6.
const (
	ErrInvalidRequest          ErrorCode = "invalid_request"
	ErrInvalidClient           ErrorCode = "invalid_client"
	ErrInvalidGrant            ErrorCode = "invalid_grant"
	ErrUnauthorizedClient      ErrorCode = "unauthorized_client"
	ErrUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	ErrInvalidScope            ErrorCode = "invalid_scope"
	ErrAccessDenied            ErrorCode = "access_denied"
	ErrUnsupportedResponseType ErrorCode = "unsupported_response_type"
	ErrServerError             ErrorCode = "server_error"
	ErrTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	ErrLoginRequired           ErrorCode = "login_required"
	ErrConsentRequired         ErrorCode = "consent_required"
	ErrInteractionRequired     ErrorCode = "interaction_required"
)

// Sentinels for failures of the login and of the answers around it. Test for
// them with [errors.Is].
var (
	// ErrStateMismatch: the callback's state is missing, differs from the
	// one sent, or was already used ([ErrAuthRequestUsed] wraps it).
	ErrStateMismatch = errors.New("oauthkit: state mismatch")
	// ErrAuthRequestUsed: the AuthRequest's callback was already accepted,
	// or its code already exchanged. It wraps [ErrStateMismatch], so
	// errors.Is(err, ErrStateMismatch) holds for a replayed callback too.
	ErrAuthRequestUsed = fmt.Errorf("%w: AuthRequest already used", ErrStateMismatch)
	// ErrLoginExpired: the AuthRequest is past its expiry
	// ([AuthRequest.Expiry], [DefaultLoginMaxAge], [WithMaxAge]).
	ErrLoginExpired = errors.New("oauthkit: login expired")
	// ErrIssuerMismatch: the callback's iss parameter (RFC 9207) differs
	// from the provider's issuer, is repeated, is missing where the
	// provider's metadata promises it, or is present for a provider that
	// has no issuer.
	ErrIssuerMismatch = errors.New("oauthkit: callback iss is not the provider's issuer")
	// ErrMissingCode: a callback without an error carries no code.
	ErrMissingCode = errors.New("oauthkit: callback has no code")
	// ErrMissingIDToken: an OpenID Connect token response carries no id_token.
	ErrMissingIDToken = errors.New("oauthkit: token response has no id_token")
	// ErrSubjectMismatch: the user-info subject differs from the ID token's.
	ErrSubjectMismatch = errors.New("oauthkit: user info subject differs from the ID token subject")
	// ErrSubjectChanged: a refresh answered with an ID token for another
	// user than the login's (OpenID Connect Core §12.2 has its sub be the
	// login's). The answer is not used; only a new login helps, so
	// [NeedsLogin] is true for it.
	ErrSubjectChanged = errors.New("oauthkit: the refreshed ID token names another user than the login's")

	// ErrInvalidIDToken is wrapped by every ID-token rejection below, so
	// errors.Is(err, ErrInvalidIDToken) catches them all.
	ErrInvalidIDToken = errors.New("oauthkit: invalid ID token")
	// ErrIDTokenSignature: malformed, unsigned or signed by a key the issuer does not publish.
	ErrIDTokenSignature = fmt.Errorf("%w: bad signature", ErrInvalidIDToken)
	// ErrIDTokenIssuer: iss is not the provider's issuer.
	ErrIDTokenIssuer = fmt.Errorf("%w: wrong issuer", ErrInvalidIDToken)
	// ErrIDTokenAudience: aud does not hold the client id, or azp names another client.
	ErrIDTokenAudience = fmt.Errorf("%w: wrong audience", ErrInvalidIDToken)
	// ErrIDTokenExpired: exp has passed, or nbf is still ahead, or iat is
	// more than the allowed clock skew ahead.
	ErrIDTokenExpired = fmt.Errorf("%w: expired", ErrInvalidIDToken)
	// ErrNonceMismatch: the ID token's nonce is missing or differs from the one sent.
	ErrNonceMismatch = fmt.Errorf("%w: nonce mismatch", ErrInvalidIDToken)
	// ErrAccessTokenHash: at_hash does not match the access token, or is
	// missing where it is required ([FinishImplicitLogin]).
	ErrAccessTokenHash = fmt.Errorf("%w: at_hash", ErrInvalidIDToken)

	// ErrMalformedResponse: a 2xx answer that is not what the protocol
	// promises (not JSON, no access_token, a negative expires_in, …).
	ErrMalformedResponse = errors.New("malformed response")
	// ErrResponseTooLarge: the answer is larger than the body limit.
	ErrResponseTooLarge = errors.New("response body too large")

	// ErrCrossOriginRedirect: a request carrying this library's credentials
	// (a cached Bearer token, a LicenseSpring signature) was redirected to
	// another scheme or host. The credentials were not sent there and the
	// redirect was not followed; same-origin redirects are.
	ErrCrossOriginRedirect = errors.New("oauthkit: refusing to send credentials on a redirect to another scheme or host")
)

// ConfigError reports a Config that cannot work: a missing field, a URL that
// is not https, a credential the flow needs but was not given.
type ConfigError struct {
	Provider string // "webuntis", …
	Field    string // the Config field, such as "Tenant" or "Password"
	Reason   string // "is required", "must be https", …
}

func (e *ConfigError) Error() string {
	return e.Provider + ": config: " + e.Field + " " + e.Reason
}
