package tokencache

import (
	"context"
	"errors"
	"sync/atomic"

	"golang.org/x/oauth2"
)

// errNoRefreshToken is a RefreshingSource's fetch error when the token it
// would renew carries no refresh token.
var errNoRefreshToken = errors.New("tokencache: the token has no refresh token to renew it with")

// RefreshingSource returns a TokenSource for a token that renews itself —
// one user's login, with a refresh token that may rotate. seed is served and
// cached under key until it turns stale; then one background call of renew
// gets a new token from the newest one the cache holds for key, and its
// answer replaces it. With the cache's single flight, that makes refresh-token
// rotation safe:
//
//   - two callers, or two sources made for the same key, never send the same
//     refresh token twice: one renewal runs per key at a time, and each starts
//     from the token the previous one returned;
//   - [Config.OnTokenChange] reports every new token, so the application can
//     persist the rotated refresh token (the cache forgets a key once its
//     token expires unused).
//
// If the new token carries no refresh token, the previous one is kept on it
// (RFC 6749 §6: the server may keep the old one valid). A failed renewal of a
// token that is still valid keeps serving it, like any refresh; an error that
// means the refresh token is dead reaches the caller once the access token
// has expired (oauthkit.NeedsLogin tells it from a passing failure).
//
// Build key with a [KeyParts.User] naming the user, so users do not share
// tokens. The returned tokens are shared and must not be modified.
func (c *Cache) RefreshingSource(key string, seed *oauth2.Token, renew Renew) oauth2.TokenSource {
	r := &refreshing{c: c, renew: renew}
	r.latest.Store(seed)
	return &source{c: c, key: key, fetch: r.fill}
}

// refreshing is the state of one RefreshingSource.
type refreshing struct {
	c      *Cache
	renew  Renew
	latest atomic.Pointer[oauth2.Token] // the newest token this source has seen
	seeded atomic.Bool                  // the seed was handed to the cache once
}

// fill is the source's fetch. prev is what the key held when the fill began:
// the newest token any source of the key obtained. Without one (a new key,
// or one dropped after expiry, eviction or Invalidate) it falls back to the
// newest token of this source, handing a still-fresh seed to the cache once
// without a request.
func (r *refreshing) fill(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
	base := prev
	if base == nil {
		base = r.latest.Load()
		if base != nil && r.seeded.CompareAndSwap(false, true) {
			now := r.c.clock.Now()
			if r.c.policy.plan(base, now).fresh(now) {
				return base, nil
			}
		}
	}
	if base == nil || base.RefreshToken == "" {
		return nil, errNoRefreshToken
	}
	tok, err := r.renew(ctx, base)
	if err != nil {
		return nil, err
	}
	if tok != nil && tok.RefreshToken == "" {
		kept := *tok
		kept.RefreshToken = base.RefreshToken
		tok = &kept
	}
	if tok != nil {
		r.latest.Store(tok)
	}
	return tok, nil
}
