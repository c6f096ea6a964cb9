package tokencache

import (
	"context"
	"crypto/subtle"
	"net/http"
	"sync/atomic"

	"golang.org/x/oauth2"

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
		if e.phase() == phaseFresh {
			e.touch()
			s.c.obs.hit(ctx, s.key)
			return e.tok.Load(), nil
		}
	}
	tok, e2, err := s.c.token(ctx, e, false, s.key, s.fetch, s.user)
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
		Transport:     c.transport(key, fetch, base),
		CheckRedirect: httpc.RefuseCrossOrigin,
		Timeout:       c.clientTimeout,
	}
}

// transport adds the key's token to each request; when the token is
// rejected as invalid it drops it — unless a concurrent request already
// did and a new one is cached — and the request is sent once more.
func (c *Cache) transport(key string, fetch Fetch, base http.RoundTripper) *httpc.BearerTransport {
	src := &source{c: c, key: key, fetch: fetch.renew()}
	return &httpc.BearerTransport{
		Prefix: "tokencache",
		Token:  src.token,
		Renew: func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
			cur, err := src.token(ctx)
			if err == nil && subtle.ConstantTimeCompare([]byte(cur.AccessToken), []byte(rejected.AccessToken)) == 1 {
				if err = c.Invalidate(ctx, key); err == nil {
					cur, err = src.token(ctx)
				}
			}
			return cur, err
		},
		Base: base,
	}
}
