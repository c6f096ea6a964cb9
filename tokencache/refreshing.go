package tokencache

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

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
//   - sources of one key share the newest token any of them obtained, as long
//     as one of them is in use, so that after [Cache.Invalidate], expiry or
//     eviction (which drop the access token) the next renewal still starts
//     from the newest refresh token rather than from a source's seed that
//     another source already rotated away. A seed given to a new source
//     replaces that newest token unless it expires earlier (an older copy of
//     the login): a new login takes over from a dead one;
//   - with a [Config.Store], the same holds for the fleet: a renewal sends
//     the refresh token only while holding the key's lease in the Store,
//     from the newest token any replica wrote; without the lease it sends
//     nothing and fails with [ErrRefreshInFlight] or [ErrStoreUnavailable]
//     (retryable; a still-valid token is served meanwhile);
//   - [Config.OnTokenChange] reports every new token, with the user given by
//     [ForUser], so the application can persist the rotated refresh token
//     for that user (once no source of a key is in use and its token has
//     expired, the cache forgets it).
//
// If the new token carries no refresh token, the previous one is kept on it
// (RFC 6749 §6: the server may keep the old one valid). A failed renewal of a
// token that is still valid keeps serving it, like any refresh; an error that
// means the refresh token is dead reaches the caller once the access token
// has expired (oauthkit.NeedsLogin tells it from a passing failure), and the
// dead refresh token is not sent again by this Cache: later renewals fail
// with the same error at once, until a new source brings a new login (with
// a Store, another replica may still send it once, to the same refusal). After a failure that
// does not say so (no answer, a 5xx), a later renewal sends the same refresh
// token again: the server may not have seen it, and if it did and rotated,
// its answer is lost either way. A token
// without a refresh token is served until it expires; then the source fails
// with an error wrapping [oauthkit.ErrNoRefreshToken].
//
// Build key with a [KeyParts.User] naming the user, so users do not share
// tokens, and pass the same user with [ForUser], so that OnTokenChange
// learns whose token changed. The returned tokens are shared and must not be
// modified.
func (c *Cache) RefreshingSource(key string, seed *oauth2.Token, renew Renew, opts ...RefreshingOption) oauth2.TokenSource {
	var o refreshingOptions
	for _, opt := range opts {
		opt.apply(&o)
	}
	r := &refreshing{c: c, renew: renew, lin: c.lineageOf(key, seed)}
	return &source{c: c, key: key, fetch: renewFrom(r.fill), user: o.user}
}

// A RefreshingOption configures a [Cache.RefreshingSource].
type RefreshingOption interface {
	apply(*refreshingOptions)
}

type refreshingOptions struct {
	user *string
}

type forUser string

func (u forUser) apply(o *refreshingOptions) {
	user := string(u)
	o.user = &user
}

// ForUser names the user whose login a [Cache.RefreshingSource] keeps
// alive: [Config.OnTokenChange] receives it as [TokenChange.User] with every
// token the source's renewals bring, so that the application stores a
// rotated refresh token for the right user. It is carried beside the key,
// never in it: only [KeyParts.User]'s hash enters the key.
func ForUser(user string) RefreshingOption { return forUser(user) }

// refreshing is the state of one RefreshingSource.
type refreshing struct {
	c     *Cache
	renew Renew
	lin   *lineage // shared by the sources of the key
}

// fill is the source's fetch. prev is what the key held when the fill began:
// the newest token any source of the key obtained. Without one (a new key,
// or one dropped after expiry, eviction or Invalidate) it starts from the
// newest token of the key's sources, handing a still-fresh seed to the cache
// once without a request. Without send (the fill does not hold the fleet's
// lease on the key) it never sends the refresh token: it returns errNotSent
// where it would have.
func (r *refreshing) fill(ctx context.Context, prev *oauth2.Token, send bool) (*oauth2.Token, error) {
	base, handOver := r.lin.base(prev)
	if handOver {
		now := r.c.clock.Now()
		if r.c.policy.plan(base, now).fresh(now) {
			return base, nil
		}
	}
	if base == nil || base.RefreshToken == "" {
		return nil, oauthkit.ErrNoRefreshToken
	}
	if err := r.lin.refusal(base); err != nil {
		return nil, err // dead: sending it again would only be refused again
	}
	if !send {
		return nil, errNotSent
	}
	tok, err := r.renew(ctx, base)
	if err != nil {
		if oauthkit.NeedsLogin(err) {
			r.lin.refuse(base, err)
		}
		return nil, err
	}
	if tok != nil && tok.RefreshToken == "" {
		kept := *tok
		kept.RefreshToken = base.RefreshToken
		tok = &kept
	}
	if tok != nil {
		r.lin.renewed(tok) // even if the cache refuses it: the server rotated
	}
	return tok, nil
}
