package httpc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// BearerTransport adds a token to each request, like [oauth2.Transport],
// except to a redirect that left the origin, and sends a request once more
// with a renewed token when the resource server rejects the token before it
// expires: 401 with a Bearer challenge naming error="invalid_token" (RFC
// 6750 §3.1), as after a revocation. Only a request whose body can be sent
// again is retried (no body, or GetBody set); it retries once, never loops.
type BearerTransport struct {
	// Prefix starts the error of a refused cross-origin redirect
	// ("tokencache", "web").
	Prefix string
	// Token returns the token to send, waiting under ctx.
	Token func(ctx context.Context) (*oauth2.Token, error)
	// Renew returns a token to replace rejected, which the resource server
	// refused: a new one, or the one another request already put in its
	// place.
	Renew func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
	// Base sends the requests; nil: [http.DefaultTransport].
	Base http.RoundTripper
}

// RoundTrip implements [http.RoundTripper].
func (t *BearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper must close the body, even on error
		}
	}
	// The client strips Authorization on a redirect to another host, but
	// this transport would add it back: refuse before fetching a token.
	if CrossOriginRedirect(req) {
		closeBody()
		return nil, fmt.Errorf("%s: %w", t.Prefix, oauthkit.ErrCrossOriginRedirect)
	}
	ctx := req.Context()
	tok, err := t.Token(ctx)
	if err != nil {
		closeBody()
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	req2 := req.Clone(ctx) // a RoundTripper must not modify the request
	tok.SetAuthHeader(req2)
	resp, err := base.RoundTrip(req2)
	if err != nil || !RejectedToken(resp) || !Replayable(req) || ctx.Err() != nil {
		return resp, err
	}
	cur, err := t.Renew(ctx, tok)
	if err != nil {
		return resp, nil // the 401 is the answer; the failed renewal is not the caller's request
	}
	req3 := req.Clone(ctx)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		req3.Body = body
	}
	Discard(resp)
	cur.SetAuthHeader(req3)
	return base.RoundTrip(req3)
}

// RejectedToken reports whether resp is a 401 whose WWW-Authenticate holds
// a Bearer challenge with error="invalid_token" (RFC 6750 §3.1): the token
// expired, was revoked or is malformed. A 401 without that error code (no
// credentials, another scheme) and 403 (insufficient_scope) are not
// something a new token mends.
func RejectedToken(resp *http.Response) bool {
	if resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if bearerInvalidToken(v) {
			return true
		}
	}
	return false
}

// bearerInvalidToken reports whether a WWW-Authenticate value holds a Bearer
// challenge with the auth-param error=invalid_token.
func bearerInvalidToken(v string) bool { return ChallengeError(v, "Bearer") == "invalid_token" }

// ChallengeError returns the error auth-param of the challenge of scheme in
// a WWW-Authenticate value (RFC 9110 §11.6.1), quoted or not; "" when the
// scheme or its error is absent. A value may hold several challenges; a
// param belongs to the challenge whose scheme precedes it.
func ChallengeError(v, scheme string) string {
	in := false
	for _, part := range splitChallenge(v) {
		part = strings.TrimSpace(part)
		name, value, isParam := strings.Cut(part, "=")
		if !isParam || strings.ContainsAny(strings.TrimSpace(name), " \t") {
			// A scheme, alone or followed by its first param.
			s, rest, _ := strings.Cut(part, " ")
			in = strings.EqualFold(s, scheme)
			if name, value, isParam = strings.Cut(rest, "="); !isParam {
				continue
			}
		}
		if in && strings.EqualFold(strings.TrimSpace(name), "error") {
			return strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return ""
}

// splitChallenge splits a WWW-Authenticate value at the commas outside
// quoted strings.
func splitChallenge(v string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				parts = append(parts, v[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, v[start:])
}

// Replayable reports whether req can be sent again: it has no body, or
// GetBody to make a new one.
func Replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// Discard reads a little of a response that is being replaced, so that its
// connection can be reused, and closes it.
func Discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}
