package tokencache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// Store is a second level behind the cache's own memory, where tokens are
// shared beyond one process: a Redis-backed Store (package
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore]) lets the
// replicas of a service fetch one token per key for the whole fleet instead
// of one each.
//
// The Cache never reads a Store on a hit. It uses it only when it would
// otherwise call a fetch function (a missing, expired or stale token):
//
//  1. [Store.Get]: a fresh token newer than the cache's own (another replica
//     fetched it) is adopted without fetching. An older-than-fresh one that
//     is newer than the cache's is what a [Cache.RefreshingSource] renews
//     from, so that no replica sends a refresh token another one already
//     rotated away.
//  2. [Store.Lease]: the fleet's single flight. The replica that gets the
//     lease (for [Config.FetchTimeout] plus 5 s, so that it outlasts the
//     fetch and the write after it) reads the Store again, fetches and
//     writes, then gives the lease back. The others poll [Store.Get] with
//     backoff for the token it writes, taking the lease themselves if it
//     comes free first; meanwhile a stale token is still served.
//  3. [Store.CompareAndSwap] writes the fetched token only if the entry is
//     still the one read before, so a newer token (a rotated refresh token)
//     is never overwritten by an older one. On a conflict the cache adopts
//     the stored token if it is fresh. The write gets a second past the
//     fill's end if the fetch took all of its time.
//
// How long a replica waits in step 2, and what it does when the Store
// fails, depends on what its fetch would send:
//
//   - A renewal by a [Cache.RefreshingSource] sends a refresh token, which
//     a rotating server accepts once: it is sent only while holding the
//     lease, one replica of the fleet at a time. A replica that finds the
//     lease held waits for the holder's token until the lease is free or
//     its own FetchTimeout is nearly over (not [Config.StoreWait]); then,
//     and whenever the Store fails (Get or Lease), it sends nothing and
//     fails the renewal with [ErrRefreshInFlight] or [ErrStoreUnavailable].
//     Both are retryable, and while the old token is valid callers keep
//     getting it; they see the error only once it has expired. A fresh
//     seed is still handed over, which sends nothing.
//   - Other fetches ([Cache.Token], [Cache.TokenSource]: client
//     credentials) carry no single-use secret: a replica waits at most
//     [Config.StoreWait] and fetches on its own after it, or at once when
//     the Store fails, rather than fail.
//
// [Cache.Invalidate] deletes the key. A Store error is reported to
// [Config.OnError] (at most once a second per operation); callers wait no
// longer than their ctx. A holder whose write of a renewal's token fails
// keeps the lease, keeping the others from renewing from the older refresh
// token the Store still holds, and writes again, with backoff, while the
// lease lasts (no write ends later than a second before it runs out); it
// gives the lease back once the write lands, or lets it run out. A fetch
// function must honour its ctx, since the lease ends after FetchTimeout and
// 5 s whether or not the fetch has returned.
//
// Implementations must be safe for concurrent use, bound every call by a
// short timeout of their own as well as by ctx, and treat tokens as secrets
// (encrypt them at rest where the backend is shared, never log them).
// Returned tokens are not modified by the cache.
type Store interface {
	// Get returns the entry stored under key: a zero Stored when there is
	// none. It may return a token that has expired (the cache checks).
	// When an entry exists but cannot be read (corrupt, tampered with,
	// sealed with an unknown key, of another format), Get returns an error
	// and a Stored with that entry's Rev and no Token, so that
	// CompareAndSwap can replace it: a fetch of its own (client
	// credentials) does; a renewal that would send a refresh token fails
	// with [ErrStoreUnavailable] instead, since the entry may hold a newer
	// one.
	Get(ctx context.Context, key string) (Stored, error)

	// CompareAndSwap stores tok under key if the entry's revision is still
	// rev ("" for no entry), and reports whether it did. A positive ttl is
	// how long until the token expires; zero means it does not expire. The
	// store may keep the entry longer than ttl (a refresh token outlives its
	// access token), but no shorter. A write must not take effect later than
	// a moment after ctx ends: the cache writes a renewal's token under the
	// key's lease, ending a second before the lease runs out.
	CompareAndSwap(ctx context.Context, key, rev string, tok *oauth2.Token, ttl time.Duration) (bool, error)

	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// Lease takes key's fill lease for ttl unless another holder has it, in
	// which case it returns [ErrLeaseHeld]. release gives it up, if the
	// lease is still this caller's (it may have expired and been taken by
	// another meanwhile).
	Lease(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, err error)
}

// Stored is an entry of a [Store].
type Stored struct {
	// Token is the stored token; nil when there is none or it cannot be
	// read.
	Token *oauth2.Token
	// Rev identifies this version of the entry, for
	// [Store.CompareAndSwap]: it changes with every write. "" means no
	// entry.
	Rev string
}

// String describes the entry without its token: whether there is one, its
// type and expiry, and the revision. String, GoString, Format and LogValue
// have value receivers, so a Stored value, a pointer to one and a struct
// holding one all print and log the same (without them, %s of a pointer
// printed the token's fields). Its JSON is left whole: a Store of one's own
// may keep it so.
func (s Stored) String() string {
	if s.Token == nil {
		return fmt.Sprintf("tokencache.Stored{Token:<nil> Rev:%q}", s.Rev)
	}
	return fmt.Sprintf("tokencache.Stored{Token:%s TokenType:%q Expiry:%s Rev:%q}",
		redact.Placeholder, s.Token.TokenType, s.Token.Expiry.Format(time.RFC3339), s.Rev)
}

// GoString is String.
func (s Stored) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Stored) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue implements [slog.LogValuer]: what String shows.
func (s Stored) LogValue() slog.Value {
	if s.Token == nil {
		return slog.GroupValue(slog.Bool("token", false), slog.String("rev", s.Rev))
	}
	return slog.GroupValue(
		slog.Bool("token", true),
		slog.String("token_type", s.Token.TokenType),
		slog.Time("expiry", s.Token.Expiry),
		slog.String("rev", s.Rev),
	)
}

// ErrLeaseHeld is returned by [Store.Lease] when another caller (another
// replica) holds the lease.
var ErrLeaseHeld = errors.New("tokencache: store lease held by another")

// ErrRefreshInFlight is the error (wrapped) of a [Cache.RefreshingSource]
// renewal, with a [Config.Store], that found another replica renewing the
// same key (holding its lease) and did not get that replica's token before
// its own time ran out ([Config.FetchTimeout]). It sent nothing: a refresh
// token is never sent by two replicas at once. It is retryable: the next
// call adopts the other replica's token once it is written, or renews
// itself once the lease is free. A token that is still valid keeps being
// served meanwhile; callers see the error only when there is none.
var ErrRefreshInFlight = errors.New("tokencache: refresh token not sent: another replica is renewing this key")

// ErrStoreUnavailable is the error (wrapped, with the Store's own error) of
// a [Cache.RefreshingSource] renewal, with a [Config.Store], that could not
// take the key's lease because the Store failed (down, slow, unreachable).
// It sent nothing: without the lease no replica can know that no other one
// is sending the same refresh token, which a rotating server takes for a
// replay. It is retryable once the Store answers again. A token that is
// still valid keeps being served meanwhile; callers see the error only when
// there is none. (Fetches of other keys, [Cache.Token] and
// [Cache.TokenSource], carry no single-use secret and fetch on their own
// instead.)
var ErrStoreUnavailable = errors.New("tokencache: refresh token not sent: store unavailable")

// DefaultStoreWait is the default of [Config.StoreWait].
const DefaultStoreWait = 3 * time.Second
