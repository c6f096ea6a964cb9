package tokencache

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// TokenSource returns an [oauth2.TokenSource] for one key of c. It is the
// fastest way to read the cache: it keeps the key's entry, so a hit is a
// few atomic loads, without a map lookup, whatever the number of keys. Fetches it starts get
// [context.Background] (with [Config.FetchTimeout]), since
// [oauth2.TokenSource.Token] takes no context; use [Cache.Token] or
// [Cache.Client] to pass one, or the source's own TokenContext method:
//
//	tok, err := src.(interface {
//		TokenContext(context.Context) (*oauth2.Token, error)
//	}).TokenContext(ctx)
//
// which is [Cache.Token] for the bound key at the cost of a bound hit.
//
// The returned tokens are shared and must not be modified.
func (c *Cache) TokenSource(key string, fetch Fetch) oauth2.TokenSource {
	return &source{c: c, key: key, fetch: fetch.renew()}
}

// source is a TokenSource bound to one key.
type source struct {
	c     *Cache
	key   string
	fetch renew
	user  *string               // ForUser, for TokenChange.User; a pointer, so that %v of a source shows no user
	e     atomic.Pointer[entry] // last entry used; replaced when it is dropped
}

func (s *source) Token() (*oauth2.Token, error) {
	return s.token(context.Background())
}

// TokenContext is Token waiting for a fetch under ctx, like [Cache.Token].
func (s *source) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	return s.token(ctx)
}

func (s *source) token(ctx context.Context) (*oauth2.Token, error) {
	e := s.e.Load()
	if e != nil {
		if e.phase.Load() == phaseFresh {
			e.touch()
			s.c.obs.hit(ctx, s.key)
			return e.tok.Load(), nil
		}
	}
	tok, e2, err := s.c.token(ctx, e, s.key, s.fetch, s.user)
	if e2 != e {
		s.e.Store(e2)
	}
	return tok, err
}

// Client returns an HTTP client that authorizes each request with the token
// for key, like [oauth2.NewClient], sending requests through base
// ([http.DefaultTransport] if nil). Each request, redirects and reading the
// body included, is bounded by [Config.ClientTimeout] (30 s by default) as
// well as by its context.
//
// The token never leaves the origin it is sent to: a redirect to another
// scheme or host (an https API answering 302 with an http:// or foreign
// Location) is not followed, and the request fails with an error wrapping
// [oauthkit.ErrCrossOriginRedirect]; redirects within the same scheme and host are
// followed, with the token. The transport refuses such a redirect too, should
// the client's CheckRedirect be replaced.
//
// Unlike [oauth2.Transport], it waits for a token under the request's
// context: a request cancelled while the token is being fetched returns at
// once. And when the resource server rejects the token before it expires —
// 401 with a Bearer challenge naming error="invalid_token" (RFC 6750 §3.1),
// as after a revocation or a reset password — the client invalidates the
// key (unless another request already replaced that token) and sends the
// request once more with a new token. Only a request whose body can be sent
// again is retried: no body, or [http.Request.GetBody] set (as
// [http.NewRequest] does for bytes and strings). It retries once, never
// loops: a second 401 is returned to the caller, as are 403 and a 401
// without that challenge.
func (c *Cache) Client(key string, fetch Fetch, base http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     &transport{src: &source{c: c, key: key, fetch: fetch.renew()}, base: base},
		CheckRedirect: httpc.RefuseCrossOrigin,
		Timeout:       c.clientTimeout,
	}
}

// transport adds the key's token to each request, like [oauth2.Transport],
// except to a redirect that left the origin, and retries once with a new
// token when the token is rejected as invalid.
type transport struct {
	src  *source
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper must close the body, even on error
		}
	}
	// The client strips Authorization on a redirect to another host, but
	// this transport would add it back: refuse before fetching a token.
	if httpc.CrossOriginRedirect(req) {
		closeBody()
		return nil, fmt.Errorf("tokencache: %w", oauthkit.ErrCrossOriginRedirect)
	}
	ctx := req.Context()
	tok, err := t.src.token(ctx)
	if err != nil {
		closeBody()
		return nil, err
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	req2 := req.Clone(ctx) // a RoundTripper must not modify the request
	tok.SetAuthHeader(req2)
	resp, err := base.RoundTrip(req2)
	if err != nil || !rejectedToken(resp) || !replayable(req) || ctx.Err() != nil {
		return resp, err
	}

	// The token was refused before its expiry: drop it, unless a concurrent
	// request already did and a new one is cached, and send once more.
	cur, err := t.src.token(ctx)
	if err == nil && subtle.ConstantTimeCompare([]byte(cur.AccessToken), []byte(tok.AccessToken)) == 1 {
		if err = t.src.c.Invalidate(ctx, t.src.key); err == nil {
			cur, err = t.src.token(ctx)
		}
	}
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
	discard(resp)
	cur.SetAuthHeader(req3)
	return base.RoundTrip(req3)
}

// rejectedToken reports whether resp is a 401 whose WWW-Authenticate holds
// a Bearer challenge with error="invalid_token" (RFC 6750 §3.1): the token
// expired, was revoked or is malformed. A 401 without that error code (no
// credentials, another scheme) and 403 (insufficient_scope) are not
// something a new token mends.
func rejectedToken(resp *http.Response) bool {
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
// challenge with the auth-param error=invalid_token, quoted or not (RFC 9110
// §11.6.1). A value may hold several challenges; a param belongs to the
// challenge whose scheme precedes it.
func bearerInvalidToken(v string) bool {
	inBearer := false
	for _, part := range splitChallenge(v) {
		part = strings.TrimSpace(part)
		name, value, isParam := strings.Cut(part, "=")
		if !isParam || strings.ContainsAny(strings.TrimSpace(name), " \t") {
			// A scheme, alone or followed by its first param.
			scheme, rest, _ := strings.Cut(part, " ")
			inBearer = strings.EqualFold(scheme, "Bearer")
			if name, value, isParam = strings.Cut(rest, "="); !isParam {
				continue
			}
		}
		name = strings.TrimSpace(name)
		value = strings.Trim(strings.TrimSpace(value), `"`)
		if inBearer && strings.EqualFold(name, "error") && value == "invalid_token" {
			return true
		}
	}
	return false
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

// replayable reports whether req can be sent again: it has no body, or
// GetBody to make a new one.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// discard reads a little of a response that is being replaced, so that its
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}
