package web

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// StoredTokens are a session's server-side state: its tokens, when it
// ends, when it was last used, and the index entries that let
// [Handler.EndSessions] and back-channel logout find it.
type StoredTokens struct {
	Token   *oauth2.Token
	IDToken string    // the raw ID token, for RP-initiated logout's id_token_hint; "" for OAuth2-only vendors
	Expires time.Time // when the session ends whatever happens (Config.SessionMaxAge); the store forgets it then
	// Seen is when the session was last used, to the minute or so: the
	// handler ends a session idle for longer than Config.IdleTimeout. The
	// store keeps it with the tokens ([TokenStore.Touch] moves it on).
	Seen time.Time
	// Refs are the index entries the session is filed under (opaque strings
	// the handler makes from the provider, tenant, subject and sid). The
	// store files the session under each at Save and removes it from them at
	// Delete; [TokenStore.DeleteRef] ends every session under one.
	Refs []string
}

// ErrNoTokens: the store holds no tokens for the session.
var ErrNoTokens = errors.New("web: no tokens stored for the session")

// ErrLeaseHeld is returned by [TokenStore.Lease] when another caller —
// another goroutine or another replica — holds the session's refresh lease.
var ErrLeaseHeld = errors.New("web: the session's refresh lease is held by another")

// TokenStore keeps each session's server-side state, keyed by
// [Session.ID]: the tokens, the index by user, the session's refresh lease
// and the single-use records (back-channel logout jti's, used states).
//
// Two implementations ship: [MemoryTokenStore], for one process (the
// default), and package
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore]'s SessionStore,
// shared by every replica of a fleet, sealed. A store shared by replicas
// must make Lease, Replace, DeleteRef and Once hold across all of them: the
// handler relies on Lease so that one refresh token is sent once per fleet,
// never once per replica.
//
// Implementations must be safe for concurrent use, bound every call by a
// short timeout of their own as well as by ctx, and keep the state as secret
// as passwords: sealed (AES-256-GCM) where it leaves the process, with no
// session ID, subject, tenant or token in a key or value in clear.
type TokenStore interface {
	// Save stores t for a new session, replacing what was there, and files
	// it under t.Refs. The store may forget it at t.Expires.
	Save(ctx context.Context, sessionID string, t *StoredTokens) error
	// Replace stores t for a session that still exists, and fails with an
	// error wrapping [ErrNoTokens] when it does not (it was logged out
	// meanwhile): a refresh finished after a logout never brings the
	// session back. A Replace must not take effect later than a moment
	// after ctx ends: the handler writes refreshed tokens under the
	// session's refresh lease, ending a second before it runs out.
	Replace(ctx context.Context, sessionID string, t *StoredTokens) error
	// Load returns the session's state, or an error wrapping [ErrNoTokens].
	Load(ctx context.Context, sessionID string) (*StoredTokens, error)
	// Touch records that the session was used at seen, if it still exists,
	// without rewriting its tokens.
	Touch(ctx context.Context, sessionID string, seen time.Time) error
	// Delete forgets the session and removes it from its index entries;
	// deleting none is not an error.
	Delete(ctx context.Context, sessionID string) error
	// DeleteRef deletes every session filed under ref and returns how many
	// there were.
	DeleteRef(ctx context.Context, ref string) (int, error)
	// Lease takes the session's refresh lease for ttl unless another caller
	// holds it, in which case it returns [ErrLeaseHeld]. release gives it up
	// if it is still this caller's.
	Lease(ctx context.Context, sessionID string, ttl time.Duration) (release func(context.Context) error, err error)
	// Once records key for ttl and reports whether it was new: false means
	// it was used before (a replayed logout token's jti).
	Once(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// OnceForgetter is implemented by a [TokenStore] that can take back a key
// it recorded with Once. The handler uses it when a back-channel logout's
// sessions could not be ended: it answers 503, forgets the logout token's
// jti, and the provider's retry (OpenID Connect Back-Channel Logout 1.0
// §2.8) is taken. With a store without it, the retry is refused as a
// replay. [MemoryTokenStore] and redisstore's SessionStore implement it.
type OnceForgetter interface {
	// ForgetOnce removes key, so that the next Once of it is new again;
	// removing none is not an error.
	ForgetOnce(ctx context.Context, key string) error
}
