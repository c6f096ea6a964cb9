package tokencache

import (
	"context"
	"fmt"
	"net/http"
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
// [Cache.Client] to pass one.
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
// once. It does not invalidate the token on a 401 response; call
// [Cache.Invalidate] if the resource server rejects it.
func (c *Cache) Client(key string, fetch Fetch, base http.RoundTripper) *http.Client {
	return &http.Client{
		Transport:     &transport{src: &source{c: c, key: key, fetch: fetch.renew()}, base: base},
		CheckRedirect: httpc.RefuseCrossOrigin,
		Timeout:       c.clientTimeout,
	}
}

// transport adds the key's token to each request, like [oauth2.Transport],
// except to a redirect that left the origin.
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
	tok, err := t.src.token(req.Context())
	if err != nil {
		closeBody()
		return nil, err
	}
	req2 := req.Clone(req.Context()) // a RoundTripper must not modify the request
	tok.SetAuthHeader(req2)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req2)
}
