// Package cached connects a provider's token flows to the shared
// [tokencache.Cache]: client-credentials tokens per tenant and client, and
// users' refresh-token logins per user. Each vendor package holds one of
// these and exposes its methods; the caching itself is tokencache's.
package cached

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// Tokens is one provider's view of the cache.
type Tokens struct {
	cache *tokencache.Cache
	base  http.RoundTripper
}

// New returns Tokens on cache, or on a cache of their own when cache is nil.
// base sends the requests of [Tokens.Client]s; nil: the transport of hc, or
// http.DefaultTransport.
func New(cache *tokencache.Cache, hc *http.Client) *Tokens {
	if cache == nil {
		cache = tokencache.New(tokencache.Config{})
	}
	var base http.RoundTripper
	if hc != nil {
		base = hc.Transport
	}
	return &Tokens{cache: cache, base: base}
}

// Cache returns the cache the tokens live in.
func (t *Tokens) Cache() *tokencache.Cache { return t.cache }

// Flow is one cached server-to-server flow: a key and the fetch that fills
// it.
type Flow struct {
	t     *Tokens
	key   string
	fetch tokencache.Fetch
	src   oauth2.TokenSource
}

// Flow binds fetch to the key built from parts.
func (t *Tokens) Flow(parts tokencache.KeyParts, fetch tokencache.Fetch) *Flow {
	key := tokencache.Key(parts)
	return &Flow{t: t, key: key, fetch: fetch, src: t.cache.TokenSource(key, fetch)}
}

// Key returns the cache key.
func (f *Flow) Key() string { return f.key }

// Token returns the cached token, fetching it when it is missing or expired.
func (f *Flow) Token(ctx context.Context) (*oauth2.Token, error) {
	return f.t.cache.Token(ctx, f.key, f.fetch)
}

// TokenSource returns the bound token source: the fastest read.
func (f *Flow) TokenSource() oauth2.TokenSource { return f.src }

// Client returns an HTTP client that sends the cached token with every
// request, bounded by the cache's ClientTimeout and refusing redirects to
// another scheme or host; see [tokencache.Cache.Client].
func (f *Flow) Client() *http.Client { return f.t.cache.Client(f.key, f.fetch, f.t.base) }

// Invalidate forgets the token, so that the next caller fetches a new one.
func (f *Flow) Invalidate(ctx context.Context) error { return f.t.cache.Invalidate(ctx, f.key) }

// UserSource returns a token source for one user's login, renewed with its
// refresh token through refresh; see [tokencache.Cache.RefreshingSource].
func (t *Tokens) UserSource(parts tokencache.KeyParts, tok *oauth2.Token, refresh func(ctx context.Context, refreshToken string) (*oauth2.Token, error)) oauth2.TokenSource {
	return t.cache.RefreshingSource(tokencache.Key(parts), tok, func(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		return refresh(ctx, prev.RefreshToken)
	})
}
