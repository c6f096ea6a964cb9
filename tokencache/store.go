package tokencache

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// Store is a second level behind the cache's own memory, where tokens can be
// shared beyond one process: a Redis-backed Store lets several replicas of a
// service use one token per key instead of one each.
//
// The Cache never reads a Store on a hit. It reads it only when it would
// otherwise call a fetch function (a missing, expired or stale token) and
// adopts the stored token if it is still fresh; it writes every token it
// fetches; and [Cache.Invalidate] deletes from it. A Store error is reported
// to [Config.OnError] and otherwise ignored: the cache falls back to fetching.
//
// Implementations must be safe for concurrent use and must treat tokens as
// secrets (encrypt them at rest where the backend is shared, never log them).
// Returned tokens are not modified by the cache.
type Store interface {
	// Get returns the token stored under key, or (nil, nil) when there is
	// none or it has expired.
	Get(ctx context.Context, key string) (*oauth2.Token, error)
	// Set stores tok under key. A positive ttl is how long until the token
	// expires (the store may drop it after that); zero means it does not
	// expire.
	Set(ctx context.Context, key string, tok *oauth2.Token, ttl time.Duration) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}
