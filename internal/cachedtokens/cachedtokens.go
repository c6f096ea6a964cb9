// Package cachedtokens connects a provider's token flows to the shared
// [tokencache.Cache]: client-credentials tokens per tenant and client, and
// users' refresh-token logins per user. A vendor's Provider embeds a
// [*ClientCredentials] (if the vendor offers that flow) and a [*Users],
// through unexported aliases, and so has the methods of
// [oauthkit.TokenProvider], [oauthkit.ClientProvider] and
// [oauthkit.UserTokenProvider] once, written here; the caching itself is
// tokencache's.
package cachedtokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/idsub"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// Compile-time checks: the embedded types carry the interfaces' methods.
var (
	_ oauthkit.TokenProvider     = (*ClientCredentials)(nil)
	_ oauthkit.ClientProvider    = (*ClientCredentials)(nil)
	_ oauthkit.UserTokenProvider = (*Users)(nil)
)

// Tokens is one provider's view of the cache.
type Tokens struct {
	cache *tokencache.Cache
	base  http.RoundTripper
}

// New returns Tokens on cache, or, when cache is nil, on a cache of their
// own that reports to logger and metrics (a shared cache reports to what its
// own Config names). base sends the requests of [ClientCredentials.Client]s;
// nil: the transport of hc, or http.DefaultTransport.
func New(cache *tokencache.Cache, hc *http.Client, logger *slog.Logger, metrics *oauthkit.Metrics) *Tokens {
	if cache == nil {
		cache = tokencache.New(tokencache.Config{Logger: logger, Metrics: metrics})
	}
	var base http.RoundTripper
	if hc != nil {
		base = hc.Transport
	}
	return &Tokens{cache: cache, base: base}
}

// Cache returns the cache the tokens live in.
func (t *Tokens) Cache() *tokencache.Cache { return t.cache }

// ClientCredentials is one cached server-to-server flow: a key and the fetch
// that fills it. Its methods are those of [oauthkit.TokenProvider] and
// [oauthkit.ClientProvider].
type ClientCredentials struct {
	t     *Tokens
	key   string
	fetch tokencache.Fetch
	src   oauth2.TokenSource
	ctx   contextSource // src, for Token
}

// contextSource is the method of the sources [tokencache.Cache.TokenSource]
// returns that takes a ctx.
type contextSource interface {
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// ClientCredentials binds fetch (the provider's ClientCredentials) to the
// key the cache builds from parts ([tokencache.Cache.Key]). Its error, for a
// cache with a Store but no key secret or one too short, is a
// [*oauthkit.ConfigError] on the vendor Config's CacheKeySecret.
func (t *Tokens) ClientCredentials(parts tokencache.KeyParts, fetch tokencache.Fetch) (*ClientCredentials, error) {
	key, err := t.key(parts)
	if err != nil {
		return nil, err
	}
	src := t.cache.TokenSource(key, fetch)
	return &ClientCredentials{t: t, key: key, fetch: fetch, src: src, ctx: src.(contextSource)}, nil
}

// key is the cache's key of parts, its error a ConfigError naming the
// vendor Config field that sets the key secret.
func (t *Tokens) key(parts tokencache.KeyParts) (string, error) {
	key, err := t.cache.Key(parts)
	switch {
	case errors.Is(err, tokencache.ErrKeySecretRequired):
		return "", &oauthkit.ConfigError{Provider: parts.Vendor, Field: "CacheKeySecret",
			Reason: "is required when Config.Cache has a Store (or set tokencache.Config.KeySecret): every replica sharing the Store must hash cache keys with the same secret"}
	case errors.Is(err, tokencache.ErrKeySecretTooShort):
		return "", &oauthkit.ConfigError{Provider: parts.Vendor, Field: "CacheKeySecret",
			Reason: "(or tokencache.Config.KeySecret) must be at least 16 bytes; 32 random bytes are best"}
	case err != nil:
		return "", fmt.Errorf("%s: cache key: %w", parts.Vendor, err)
	}
	return key, nil
}

// Token returns the cached client-credentials token: fetched on first use,
// reused until shortly before it expires, then refreshed by one background
// request while callers keep getting the valid one. See
// [tokencache.Cache.Token]. It goes through the bound source, which keeps
// the key's entry: a hit costs no map lookup.
func (c *ClientCredentials) Token(ctx context.Context) (*oauth2.Token, error) {
	return c.ctx.TokenContext(ctx)
}

// TokenSource returns the cached client-credentials tokens as an
// [oauth2.TokenSource], the fastest way to read them.
func (c *ClientCredentials) TokenSource() oauth2.TokenSource { return c.src }

// Client returns an HTTP client for the vendor's API that sends the cached
// client-credentials token with every request, over Config.HTTPClient's
// transport. Each request is bounded by Config.Cache's
// [tokencache.Config.ClientTimeout] (30 s by default). The token never
// follows a redirect to another scheme or host: such a redirect fails with
// [oauthkit.ErrCrossOriginRedirect]; one within the same origin is
// followed.
func (c *ClientCredentials) Client() *http.Client { return c.t.cache.Client(c.key, c.fetch, c.t.base) }

// InvalidateToken forgets the cached client-credentials token, so that the
// next call fetches a new one: call it when a request sent without
// [ClientCredentials.Client] is answered 401 (Client retries once itself).
func (c *ClientCredentials) InvalidateToken(ctx context.Context) error {
	return c.t.cache.Invalidate(ctx, c.key)
}

// Users makes the token sources of users' logins: its method is that of
// [oauthkit.UserTokenProvider].
type Users struct {
	t       *Tokens
	parts   tokencache.KeyParts
	refresh func(ctx context.Context, refreshToken string) (*oauth2.Token, error)
}

// Users returns the user-source factory for logins renewed through refresh
// (the provider's Refresh), keyed by parts with each user's name added. Its
// error is that of [Tokens.ClientCredentials].
func (t *Tokens) Users(parts tokencache.KeyParts, refresh func(ctx context.Context, refreshToken string) (*oauth2.Token, error)) (*Users, error) {
	if _, err := t.key(parts); err != nil {
		return nil, err
	}
	return &Users{t: t, parts: parts, refresh: refresh}, nil
}

// UserTokenSource returns a token source for one user's login (the token
// from [oauthkit.Complete], or one stored from it): served from the cache
// and renewed with the provider's Refresh ahead of expiry, one refresh at a
// time per user, each with the newest refresh token. Config.Cache's
// [tokencache.Config.OnTokenChange] reports each new token with
// [tokencache.TokenChange.User] set to user, so the application can store a
// rotated refresh token for that user; user enters the cache key only
// hashed. [oauthkit.NeedsLogin] tells when the refresh token is dead or
// missing, or when a refresh answered an ID token for another user than
// the login's ([oauthkit.ErrSubjectChanged], OpenID Connect Core §12.2: the
// answer is not used). See [tokencache.Cache.RefreshingSource].
func (u *Users) UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource {
	parts := u.parts
	parts.User = user
	key, err := u.t.key(parts)
	if err != nil {
		// Not reached: Users checked the key secret, and neither it nor
		// the cache changes since.
		return errSource{err}
	}
	login := idsub.Subject(tok)
	return u.t.cache.RefreshingSource(key, tok, func(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		next, err := u.refresh(ctx, prev.RefreshToken)
		if err != nil {
			return nil, err
		}
		sub := login
		if sub == "" {
			sub = idsub.Subject(prev)
		}
		if !idsub.Keeps(sub, next) {
			return nil, fmt.Errorf("%s: refresh: %w", u.parts.Vendor, oauthkit.ErrSubjectChanged)
		}
		return next, nil
	}, tokencache.ForUser(user))
}

// errSource is a token source that fails.
type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }
