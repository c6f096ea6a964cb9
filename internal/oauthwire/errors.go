package oauthwire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// Call names one request to a vendor, for the errors made from its answer,
// and holds the values that must be scrubbed from them.
type Call struct {
	Provider string
	Op       string
	Secrets  *redact.Secrets              // nil: nothing to scrub
	Advise   func(*oauthkit.Error) string // nil: no advice
}

// TransportError is the error for a request that got no usable answer. With
// a response (a body over the limit or unreadable) it is an
// [*oauthkit.Error]; without one, err wrapped with the operation.
func (c Call) TransportError(resp *httpc.Response, err error) error {
	if resp == nil {
		return fmt.Errorf("%s: %s: %w", c.Provider, c.Op, err)
	}
	return c.finish(&oauthkit.Error{StatusCode: resp.StatusCode, Err: err})
}

// ResponseError turns an error answer into an [*oauthkit.Error]: the fields
// of an RFC 6749 §5.2, league/oauth2-server or LicenseSpring error body, or,
// for anything else (an HTML page from a proxy), a short excerpt.
func (c Call) ResponseError(resp *httpc.Response) *oauthkit.Error {
	e := &oauthkit.Error{StatusCode: resp.StatusCode}
	if !ParseErrorBody(resp.Body, e, c.Secrets) {
		e.Body = c.Secrets.Excerpt(resp.Body)
	}
	if wait, ok := httpc.RetryAfter(resp.Header, time.Now()); ok {
		e.RetryAfter = wait
	}
	return c.finish(e)
}

// ErrorInSuccess returns the error a 2xx answer carries in an error body
// (some servers answer 200 {"error": …}), or nil.
func (c Call) ErrorInSuccess(resp *httpc.Response) *oauthkit.Error {
	e := &oauthkit.Error{StatusCode: resp.StatusCode}
	if !ParseErrorBody(resp.Body, e, c.Secrets) || e.Code == "" {
		return nil
	}
	return c.finish(e)
}

// Malformed is the error for a 2xx answer that breaks the protocol. Its Err
// is [oauthkit.ErrMalformedResponse] for errors.Is, and unwraps to why too,
// so errors.As finds a typed reason ([*TokenTypeError]).
//
// A success answer holds what the request was for — tokens, a device code —
// and the request's Secrets do not know them: the body is quoted only when
// it is plainly not such an answer ([successExcerpt]).
func (c Call) Malformed(resp *httpc.Response, why error) *oauthkit.Error {
	e := &oauthkit.Error{StatusCode: resp.StatusCode, Err: malformed{why}, Description: why.Error()}
	e.Body = successExcerpt(c.Secrets, resp.Body)
	return c.finish(e)
}

// minTokenLike is the length from which a run of token characters in a 2xx
// body counts as a possible token: longer than the words of a proxy's
// error page, shorter than the tokens servers issue.
const minTokenLike = 20

// successExcerpt is the excerpt of a 2xx body that broke the protocol, or ""
// when the excerpt could quote a value of a success answer. That is a body
// that is or starts like JSON (whole, cut, or with junk after it), and an
// excerpt that holds a name=value pair (a form-encoded answer, whatever its
// Content-Type), names a token, a code (device_code) or a secret, or holds a
// run of minTokenLike token characters (a bare token, a JWT). What stays is what the
// excerpt is for: the text of an HTML page or the garbage a proxy sent.
func successExcerpt(secrets *redact.Secrets, body []byte) string {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\ufeff")))
	if len(trimmed) == 0 || bytes.IndexByte([]byte(`{["`), trimmed[0]) >= 0 || json.Valid(trimmed) {
		return ""
	}
	excerpt := secrets.Excerpt(body)
	lower := strings.ToLower(excerpt)
	for _, word := range []string{"=", "token", "_code", "secret", "password"} {
		if strings.Contains(lower, word) {
			return ""
		}
	}
	run := 0
	for _, r := range excerpt {
		if !tokenChar(r) {
			run = 0
			continue
		}
		if run++; run >= minTokenLike {
			return ""
		}
	}
	return excerpt
}

// tokenChar reports whether r is one of the characters of an access token
// (RFC 6750 §2.1, b64token) or of an RFC 6749 Appendix A token.
func tokenChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~+/", r)
}

// finish names the call in e, removes the request's secrets from every text
// field and bounds it, and adds the vendor's advice. The texts from a body
// arrive scrubbed on their full length and only then bounded
// ([ParseErrorBody], [redact.Secrets.Excerpt]): scrubbing a text already cut
// would leave the first bytes of a secret at the cut. finish scrubs before it
// bounds too, for text set anywhere else.
func (c Call) finish(e *oauthkit.Error) *oauthkit.Error {
	e.Provider, e.Op = c.Provider, c.Op
	e.Code = codeText(c.Secrets, e.Code)
	for _, f := range []*string{&e.Description, &e.Hint, &e.Message, &e.URI} {
		*f = c.Secrets.Text(*f)
	}
	e.Body = c.Secrets.Line(e.Body, redact.MaxExcerpt)
	if c.Advise != nil {
		e.Advice = c.Advise(e)
	}
	return e
}

// minCodeSecret is the length from which a secret is scrubbed from an
// error code that is one plain word ([codeText]).
const minCodeSecret = 8

// codeText is an error code scrubbed and bounded. A code that is one plain
// word — letters, digits, '_', '-', '.', as every registered code (RFC 6749
// §5.2) and every vendor's is — is scrubbed only of secrets of at least
// minCodeSecret bytes: a shorter one turns up in it by chance, not by an
// echo (a one-letter client secret "s" made access_denied
// "acce[redacted][redacted]_denied" and broke errors.Is and the advice),
// while a longer one inside a word can only have been echoed. A code with
// anything else in it (spaces: free text) is scrubbed of every secret, as
// the other fields are. Not scrubbing codes at all would not do: RFC
// 6749's error characters take in spaces and nearly all of ASCII, so a
// server echoing the request into error would show the secret; nor would
// skipping short secrets everywhere, which would show a short password
// echoed in a description.
func codeText(secrets *redact.Secrets, code string) string {
	if plainWord(code) {
		secrets = secrets.AtLeast(minCodeSecret)
	}
	return secrets.Text(code)
}

// plainWord reports whether s is one word of ASCII letters, digits, '_',
// '-' and '.'.
func plainWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return s != ""
}

// ParseErrorBody fills e from a JSON error body and reports whether body was
// one. It reads RFC 6749 §5.2 (error, error_description, error_uri),
// league/oauth2-server (message, hint; older versions have no
// error_description) and LicenseSpring ({status, code, message}). Fields of
// an unexpected type are ignored rather than failing the whole body. Every
// text is scrubbed of secrets (nil: none) on its full, decoded length and
// then bounded with [redact.Secrets.Text].
func ParseErrorBody(body []byte, e *oauthkit.Error, secrets *redact.Secrets) bool {
	field := func(m map[string]json.RawMessage, key string) string { return stringField(m, key, secrets) }
	codeField := func(m map[string]json.RawMessage, key string) string { return rawString(m, key) } // scrubbed by codeText
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	code := codeField(m, "error")
	if code == "" {
		// {"error": {"code": …, "message": …}}, as some gateways send.
		var nested map[string]json.RawMessage
		if json.Unmarshal(m["error"], &nested) == nil {
			code = codeField(nested, "code")
			e.Message = field(nested, "message")
		}
	}
	if code == "" {
		code = codeField(m, "code") // LicenseSpring
	}
	e.Code = codeText(secrets, code)
	e.Description = field(m, "error_description")
	e.URI = field(m, "error_uri")
	e.Hint = field(m, "hint")
	if msg := field(m, "message"); msg != "" {
		e.Message = msg
	}
	return e.Code != "" || e.Description != "" || e.Message != "" || e.Hint != ""
}

// stringField returns m[key] when it is a string, scrubbed whole and then
// bounded.
func stringField(m map[string]json.RawMessage, key string, secrets *redact.Secrets) string {
	return secrets.Text(rawString(m, key))
}

// rawString returns m[key] when it is a string, as it is: neither scrubbed
// nor bounded.
func rawString(m map[string]json.RawMessage, key string) string {
	var s string
	if json.Unmarshal(m[key], &s) != nil {
		return ""
	}
	return s
}

// malformed is the Err of a Malformed error: it reads as
// [oauthkit.ErrMalformedResponse] (the reason is in Description already) and
// unwraps to both it and the reason.
type malformed struct{ why error }

func (m malformed) Error() string   { return oauthkit.ErrMalformedResponse.Error() }
func (m malformed) Unwrap() []error { return []error{oauthkit.ErrMalformedResponse, m.why} }
