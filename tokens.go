package oauthkit

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
)

// TokenProvider serves a provider's client-credentials token (RFC 6749
// §4.4) from a cache: fetched on first use, reused until shortly before it
// expires, then renewed by one background request while callers keep
// getting the valid one. Use it rather than [Provider.ClientCredentials] on
// every call. WebUntis and Justimmo implement it.
//
// TokenProvider, [ClientProvider] and [UserTokenProvider] are the
// cached-token capabilities a [Provider] may have beyond that interface.
// Each vendor's Provider implements those of the flows the vendor offers,
// on the token cache of its Config.Cache (package tokencache); code holding
// an oauthkit.Provider reaches them with a type assertion:
//
//	if tp, ok := p.(oauthkit.TokenProvider); ok {
//		tok, err := tp.Token(ctx)
//		…
//	}
//
// The tokens they return are shared by every caller and must not be
// modified.
type TokenProvider interface {
	// Token returns the cached token, fetching it when there is none or
	// it has expired.
	Token(ctx context.Context) (*oauth2.Token, error)

	// TokenSource returns the cached tokens as an [oauth2.TokenSource],
	// the fastest way to read them. A fetch it starts is bounded by the
	// cache's fetch timeout, since Token takes no context.
	TokenSource() oauth2.TokenSource

	// InvalidateToken forgets the cached token, so that the next call
	// fetches a new one: call it when an API answers 401 to a request not
	// sent with Client (which retries once by itself).
	InvalidateToken(ctx context.Context) error
}

// ClientProvider hands out an HTTP client for the vendor's API that sends
// the cached client-credentials token of [TokenProvider] with every
// request. Each request is bounded by the cache's client timeout (30 s by
// default), and the token never follows a redirect to another scheme or
// host: such a redirect fails with [ErrCrossOriginRedirect]; one within the
// same origin is followed. WebUntis and Justimmo implement it.
type ClientProvider interface {
	Client() *http.Client
}

// UserTokenProvider keeps one user's login alive: UserTokenSource returns a
// token source for tok (the token of a [Login], or one stored from it),
// served from the cache and renewed with [Provider.Refresh] ahead of
// expiry, one refresh at a time per user and provider, each with the newest
// refresh token — so that a rotating refresh token is never sent twice.
//
// user names whose login it is (a user id, not a secret); it enters the
// cache key only through a hash. The cache's OnTokenChange hook receives it
// with every new token, so the application can store a rotated refresh
// token for the right user. When the refresh token is dead or missing, the
// source's error satisfies [NeedsLogin]. Every vendor implements it.
type UserTokenProvider interface {
	UserTokenSource(user string, tok *oauth2.Token) oauth2.TokenSource
}
