package tokencache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/workerpool"
)

// Fetch obtains a new token for one key, typically a [oauthkit.Provider]'s
// ClientCredentials or Refresh bound to one tenant. Its ctx carries the
// values of the caller that started it but not that caller's cancellation,
// and ends after [Config.FetchTimeout] or when the Cache is closed.
//
// All callers of one key must pass equivalent fetch functions: whichever
// caller finds the key missing or stale starts the fetch for all of them.
//
// [oauthkit.Provider]: https://pkg.go.dev/github.com/seed-e8f4a5f7/oauthkit#Provider
type Fetch func(ctx context.Context) (*oauth2.Token, error)

// Renew obtains a new token from the previous one, typically with its
// refresh token; see [Cache.RefreshingSource]. prev is never nil.
type Renew func(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error)

// renew is how a fill obtains a token: a [Fetch], or from a function of
// prev, the token the key held when the fill started (nil if none), which
// may send a single-use secret (a [Cache.RefreshingSource]'s refresh token)
// only when send is true (see [Cache.obtainShared]). A struct, not a closure
// around the Fetch, so that a miss allocates nothing for it.
type renew struct {
	fetch Fetch
	from  func(ctx context.Context, prev *oauth2.Token, send bool) (*oauth2.Token, error)
}

func (f Fetch) renew() renew { return renew{fetch: f} }

func renewFrom(f func(ctx context.Context, prev *oauth2.Token, send bool) (*oauth2.Token, error)) renew {
	return renew{from: f}
}

func (r renew) missing() bool { return r.fetch == nil && r.from == nil }

// singleUse reports whether r may send a single-use secret: with a Store,
// it then renews only while holding the key's lease.
func (r renew) singleUse() bool { return r.from != nil }

func (r renew) call(ctx context.Context, prev *oauth2.Token, send bool) (*oauth2.Token, error) {
	if r.from != nil {
		return r.from(ctx, prev, send)
	}
	return r.fetch(ctx)
}

// ErrClosed is returned by a Cache after [Cache.Close] when it would have to
// fetch.
var ErrClosed = errors.New("tokencache: cache closed")

// ErrExpiredToken is the error (wrapped) of a fetch that returned a token
// whose Expiry has already passed by [Config.Clock]: the cache never hands
// out an expired token, so such an answer counts as a failed fetch (the
// old token, if still valid, keeps being served).
var ErrExpiredToken = errors.New("tokencache: fetch returned an expired token")

// ErrKeyTooLong is returned for a key longer than 64 KiB, which the cache
// does not hold (a key made by [Key] is about 60 bytes). Nothing is fetched.
var ErrKeyTooLong = errors.New("tokencache: key longer than 64 KiB")

// Config configures a [Cache]. Every zero value is valid.
//
// The hooks (OnRefresh, OnError, OnTokenChange) run in the goroutine of a
// fetch for the key, which holds up the callers waiting for it: they must
// not call [Cache.Close] or wait for a token of the same key.
type Config struct {
	// Store is a second level where tokens are shared beyond this process
	// (see [Store]). Nil keeps tokens only in this Cache's memory.
	Store Store

	// KeySecret keys the hash in the keys [Cache.Key] builds (see
	// [KeyParts.HashKey], which overrides it): at least 16 random bytes
	// (32 from crypto/rand are best), kept out of the Store. Required with
	// a Store, and then the same on every replica sharing it: they must
	// compute the same key for a tenant. Zero, without a Store: a random key
	// of this process, so that keys seen in logs and hooks mean nothing
	// elsewhere.
	KeySecret oauthkit.Secret

	// StoreWait is how long a fill that finds another replica fetching the
	// key (holding the [Store]'s lease) waits for that replica's token
	// before fetching itself. Callers with a stale token keep getting it
	// meanwhile; callers without one wait at most until their ctx ends.
	// Zero means [DefaultStoreWait]; it is capped at FetchTimeout. It does
	// not apply to a [Cache.RefreshingSource]'s renewals, which never send
	// a refresh token without the lease: they wait for the holder up to
	// their FetchTimeout and then fail with [ErrRefreshInFlight] (see
	// [Store]).
	StoreWait time.Duration

	// RefreshAhead is how long before a token expires it turns stale: still
	// served, but the next caller starts one background refresh. Zero means
	// the default policy: a tenth of the token's usable lifetime, at least
	// 5 s and at most 5 min, plus up to 25 % random extra so that keys do not
	// refresh in lockstep. A negative value turns refresh-ahead off: tokens
	// go from fresh to expired, like x/oauth2's ReuseTokenSource. Either way
	// it is capped at half the token's usable lifetime.
	RefreshAhead time.Duration

	// ExpiryMargin is how long before its Expiry a token counts as expired
	// and is no longer served. Zero means [DefaultExpiryMargin] (10 s, like
	// x/oauth2); a negative value means no margin. It is capped at half the
	// token's lifetime.
	ExpiryMargin time.Duration

	// FetchTimeout bounds each fetch. Zero means [DefaultFetchTimeout].
	// Callers waiting for a fetch are released with
	// [context.DeadlineExceeded] when it runs out, even if the fetch
	// function ignores its ctx and never returns. It also bounds how long
	// [Cache.Close] waits for fetches in flight.
	FetchTimeout time.Duration

	// ClientTimeout bounds each request sent with a [Cache.Client], from
	// waiting for the token to reading the response body (it is the
	// returned client's [http.Client.Timeout]). Zero or negative means
	// [DefaultClientTimeout].
	ClientTimeout time.Duration

	// MaxEntries, if positive, bounds the number of keys held in memory.
	// Beyond it the least recently used keys are dropped (approximately:
	// a second-chance sweep, so that hits never write shared memory). Keys
	// with a fetch in flight are not dropped, so the bound is briefly
	// exceeded while more than MaxEntries keys are fetching. Zero means no
	// bound; expired keys are dropped at expiry either way.
	MaxEntries int

	// Clock is the source of time and timers. Nil means the system clock;
	// tests use [tokencachetest.Clock].
	//
	// [tokencachetest.Clock]: https://pkg.go.dev/github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest#Clock
	Clock Clock

	// OnRefresh, if set, is called after every attempt to fill a key, once
	// the key holds its outcome, in the fetching goroutine before waiting
	// callers are released: keep it quick. Use it for metrics.
	OnRefresh func(RefreshEvent)

	// OnError, if set, is called with every failed fetch and Store errors
	// (at most one a second per Store operation, the next one counting
	// those left out), whether or not a caller also receives it: use it for
	// logs. Errors never contain token values.
	OnError func(key string, err error)

	// OnTokenChange, if set, is called when a new token replaces a different
	// one under a key (or fills it), before callers waiting for it are
	// released; calls for one key never overlap. Use it to persist a rotated
	// refresh token: [TokenChange.User] names the user of a
	// [Cache.RefreshingSource] (see [ForUser]), so that the token is stored
	// for the right one, while keys keep users hashed.
	OnTokenChange func(TokenChange)

	// Logger, if set, gets a debug record for every fill (the key, whether
	// it refreshed ahead of expiry, its outcome, duration and error) and
	// every Store error. Nil: silent. Records never hold a token value.
	Logger *slog.Logger

	// Metrics, if set, is called with the cache's events: CacheHit for a
	// fresh token served, CacheStale for a stale one served while it is
	// refreshed, CacheMiss when a caller waits for a fetch, CacheFill when a
	// fetch ends. Only those four fields are used; the struct is copied by
	// New. The read-path hooks run on the caller's goroutine with no lock
	// held: keep them quick (an atomic add).
	Metrics *oauthkit.Metrics
}

// Cache holds one token per key and fetches it at most once at a time. It is
// safe for concurrent use. See the package documentation for how a token
// moves from fresh to stale to expired.
//
// Tokens returned by a Cache are shared by every caller of the key: they must
// not be modified.
type Cache struct {
	table   *table
	sched   scheduler
	workers workerpool.Pool[call] // run the fills
	epoch   time.Time             // entries' times count from it (see at)

	policy        policy
	clock         Clock
	store         Store
	keySecret     []byte // Config.KeySecret
	storeWait     time.Duration
	storeErrs     errLimiter
	fetchTimeout  time.Duration
	clientTimeout time.Duration
	maxEntries    int
	evicting      sync.Mutex
	idle          atomic.Int64 // entries marked flagIdle

	onRefresh     func(RefreshEvent)
	onError       func(string, error)
	onTokenChange func(TokenChange)
	obs           observer

	mu             sync.Mutex // guards closed, the fills in flight and fetchTimer
	closed         bool
	oldest, newest *call       // fills in flight, by deadline (see expireFills)
	fetchTimer     *time.Timer // ends the oldest fill at its deadline; nil before the first fill
	fetchArmed     bool        // fetchTimer is pending, for the oldest fill's deadline or an earlier one
	fills          sync.WaitGroup
	// rewrites ends, at Close, the writes of renewals' tokens tried again
	// (see startRewrite); nil before the first.
	rewrites    context.Context
	endRewrites context.CancelFunc

	linMu    sync.Mutex
	lineages map[string]lineageRef // of RefreshingSources, weakly held
}

// New returns a Cache configured by cfg.
func New(cfg Config) *Cache {
	c := &Cache{
		policy:        newPolicy(&cfg),
		clock:         cfg.Clock,
		store:         cfg.Store,
		keySecret:     []byte(cfg.KeySecret.Reveal()),
		fetchTimeout:  cfg.FetchTimeout,
		table:         newTable(),
		maxEntries:    max(cfg.MaxEntries, 0),
		onRefresh:     cfg.OnRefresh,
		onError:       cfg.OnError,
		onTokenChange: cfg.OnTokenChange,
		obs:           newObserver(&cfg),
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	c.epoch = c.clock.Now().Round(0)
	if c.fetchTimeout <= 0 {
		c.fetchTimeout = DefaultFetchTimeout
	}
	c.storeWait = cfg.StoreWait
	if c.storeWait <= 0 {
		c.storeWait = DefaultStoreWait
	}
	c.storeWait = min(c.storeWait, c.fetchTimeout)
	c.clientTimeout = cfg.ClientTimeout
	if c.clientTimeout <= 0 {
		c.clientTimeout = DefaultClientTimeout
	}
	c.lineages = make(map[string]lineageRef)
	c.workers.Init(c.runFill, maxIdleWorkers, workerIdle)
	return c
}

// Token returns the token for key. A fresh token is returned at once, without
// locking or reading the clock. A stale one is returned at once too, and the
// first caller to see it starts one background refresh with fetch. When the
// token is missing or expired, callers wait for one fetch shared by all of
// them; a caller whose ctx ends stops waiting and gets ctx's error, without
// cancelling the fetch for the others.
//
// A failed fetch's error (wrapped) goes to the callers waiting for it and,
// for a short backoff, to the callers after them; a failed refresh of a token
// that is still valid is only reported to [Config.OnError] and retried after
// a backoff. The returned token must not be modified.
func (c *Cache) Token(ctx context.Context, key string, fetch Fetch) (*oauth2.Token, error) {
	tok, e := c.table.hit(key)
	if tok != nil {
		c.obs.hit(ctx, key)
		return tok, nil
	}
	// Without an entry the probe just missed the key: token goes straight
	// to the locked lookup that creates it, rather than probe again.
	tok, _, err := c.token(ctx, e, e == nil, key, fetch.renew(), nil)
	return tok, err
}

// token is the path of every caller that did not find a fresh token: e is the
// caller's entry for key if it has one (missed: a lock-free probe of the
// table has just not found one); user is the [ForUser] of its source. It
// returns the entry it used, for a bound [Cache.TokenSource] to keep.
func (c *Cache) token(ctx context.Context, e *entry, missed bool, key string, fetch renew, user *string) (*oauth2.Token, *entry, error) {
	if fetch.missing() {
		return nil, e, errors.New("tokencache: nil fetch function")
	}
	if len(key) > maxKeyLen {
		return nil, e, ErrKeyTooLong
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, e, err
		}
		created := false
		if e == nil || e.dead() {
			e, created = c.resolve(key, missed)
			missed = false
		}
		switch e.phase() {
		case phaseFresh:
			e.touch()
			c.obs.hit(ctx, key)
			return e.tok.Load(), e, nil
		case phaseStale:
			e.touch()
			tok := e.tok.Load()
			c.refresh(ctx, e, key, fetch, user)
			c.obs.stale(ctx, key)
			return tok, e, nil
		}

		e.mu.Lock()
		if e.dead() {
			e.mu.Unlock()
			continue
		}
		switch e.phase() {
		case phaseFailed:
			err := e.failed()
			e.mu.Unlock()
			return nil, e, err
		case phaseFresh, phaseStale:
			e.mu.Unlock()
			continue
		}
		cl := e.inflight()
		if cl == nil {
			var err error
			if cl, err = c.start(ctx, e, key, fetch, user); err != nil {
				c.settle(e, c.clock.Now())
				e.mu.Unlock()
				return nil, e, err
			}
		}
		e.mu.Unlock()
		if created {
			c.evictIfFull()
		}

		c.obs.miss(ctx, key)
		tok, err := cl.wait(ctx)
		return tok, e, err
	}
}

// refresh starts a background refresh of e if it is stale and none is in
// flight.
func (c *Cache) refresh(ctx context.Context, e *entry, key string, fetch renew, user *string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.dead() && e.inflight() == nil && e.phase() == phaseStale {
		_, _ = c.start(ctx, e, key, fetch, user) // only ErrClosed: the stale token is still served
	}
}

// Invalidate forgets the token for key, so that the next caller fetches a new
// one: call it when a resource server rejects the token (HTTP 401). With a
// [Config.Store] it also deletes the key there, and returns the Store's
// error, if any. A fetch already in flight for key is not cancelled; callers
// wait for its token.
func (c *Cache) Invalidate(ctx context.Context, key string) error {
	if e := c.table.get(key); e != nil {
		e.mu.Lock()
		if !e.dead() {
			e.early, e.expireAt = 0, cleared
			e.forgetFailures()
			switch cl := e.inflight(); {
			case cl != nil:
				// A token the fill in flight read from the Store before
				// now may be the one invalidated: it checks.
				cl.invalidated = true
				c.settle(e, c.clock.Now())
			case e.hslot.Load() != 0:
				// Kept in place for the next caller, whose fill then needs
				// no table write: the deadline e already has drops it if
				// nobody asks before (a parked e, the next sweep: see
				// [scheduler]).
				c.rest(e)
			default:
				c.drop(e)
			}
		}
		e.mu.Unlock()
	}
	if c.store == nil {
		return nil
	}
	if err := c.store.Delete(ctx, key); err != nil {
		err = fmt.Errorf("tokencache: store delete: %w", err)
		c.reportError(key, err)
		return err
	}
	return nil
}

// rest makes e, which holds nothing, wait for its next fill where it is in
// the table: no hit serves it, Len does not count it, and its scheduled
// deadline, when it comes (if e is parked, the next sweep), drops it. e.mu
// must be held.
func (c *Cache) rest(e *entry) {
	if e.phase() != phaseWait {
		e.setPhase(phaseWait)
		c.table.publish(e)
	}
	if e.bits.Load()&flagIdle == 0 {
		e.bits.Or(flagIdle)
		c.idle.Add(1)
	}
}

// Len returns the number of keys held in memory: those with a token that has
// not expired, a fetch in flight, or a recent error. (An invalidated key is
// not counted, though the cache keeps its place for the next fill, at most
// until the invalidated token would have turned stale.)
func (c *Cache) Len() int { return c.table.len() - int(c.idle.Load()) }

// Close ends the fetches in flight (cancelling their ctx: their callers get
// an error at once), waits for them to return, but at most
// [Config.FetchTimeout], and drops every key and timer. A fetch function that
// ignores its ctx is left running past Close; its result is discarded, but
// the [Config] hooks may still see it. A renewal's token that a
// [Config.Store] failed to take and that is still being written again (see
// [Store]) is given up: the key's lease there runs out. After Close, Token
// returns [ErrClosed] instead of fetching. Close always returns nil.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	for cl := c.oldest; cl != nil; cl = c.oldest {
		c.unqueue(cl)
		cl.end(context.Canceled)
	}
	if c.fetchTimer != nil {
		c.fetchTimer.Stop()
	}
	if c.endRewrites != nil {
		c.endRewrites()
	}
	c.mu.Unlock()
	c.workers.EndIdle()

	done := make(chan struct{})
	go func() {
		c.fills.Wait()
		close(done)
	}()
	timer := time.NewTimer(c.fetchTimeout)
	select {
	case <-done:
	case <-timer.C:
	}
	timer.Stop()
	// The scheduler first, so that dropping each entry touches no heap, and
	// the table at once rather than slot by slot.
	c.sched.close()
	for _, e := range c.table.clear() {
		e.mu.Lock()
		if !e.dead() {
			c.wake(e)
			e.bits.Or(flagDead)
			e.setPhase(phaseWait)
		}
		e.mu.Unlock()
	}
	return nil
}

func (c *Cache) reportError(key string, err error) {
	c.obs.storeError(key, err)
	if c.onError != nil {
		c.onError(key, err)
	}
}
