package tokencache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/leased"
)

// How a fill polls the Store for the token of another replica holding the
// key's lease: backoff from pollMin, doubling up to pollMax. These are
// network waits, in real time whatever the [Config.Clock].
const (
	pollMin = 5 * time.Millisecond
	pollMax = 100 * time.Millisecond
	// leaseMargin is how much longer than [Config.FetchTimeout] a lease
	// lasts: the holder's fetch ends with its ctx, FetchTimeout after the
	// fill began (before the lease was taken), and its write (bounded by
	// writeTimeout) lands while the lease still keeps the others waiting.
	leaseMargin = 5 * time.Second
	// releaseTimeout is how long giving a lease back may take past the
	// fill's deadline: it runs even after the fill's ctx has ended (the Store
	// bounds it further; see afterEnd).
	releaseTimeout = time.Second
	// writeTimeout is how long writing a fetched token may take past the
	// fill's deadline: a rotated refresh token must reach the fleet even if
	// the fetch took all of FetchTimeout.
	writeTimeout = time.Second
	// giveUpMax bounds how long before its own deadline a fill that may not
	// renew without the lease stops waiting for the holder, so that its
	// callers get [ErrRefreshInFlight] rather than the fill's deadline.
	giveUpMax = time.Second
	// How rewrite spaces its attempts: backoff from rewriteMin, doubling up
	// to rewriteMax. None ends later than leased.Guard before the lease runs
	// out, so that none lands after another replica may have taken the
	// lease and renewed from the older token.
	rewriteMin = 50 * time.Millisecond
	rewriteMax = time.Second
	// storeErrorEvery is how often [Config.OnError] hears of Store errors
	// of one operation: a Redis that is down fails every fill.
	storeErrorEvery = time.Second
)

// errNotSent is what a fetch that may not send its single-use secret
// returns instead of sending it (see [renew]); obtainShared turns it into
// [ErrStoreUnavailable] or [ErrRefreshInFlight].
var errNotSent = errors.New("tokencache: single-use secret not sent without the lease")

// obtainShared is obtain with a Store, following the steps in [Store]'s
// documentation: adopt a fresh token another replica wrote; else take the
// key's lease or wait for the holder's token; else fetch, from the newest
// token the fleet holds, and write with compare-and-swap.
//
// A fill that renews from a refresh token ([renew.singleUse]) fetches only
// while holding the lease: without it (the Store failed, or the holder's
// token did not come in time) it sends nothing and fails with
// [ErrStoreUnavailable] or [ErrRefreshInFlight], unless it needs no request
// (a fresh seed handed over). Other fills fetch on their own then.
func (c *Cache) obtainShared(ctx context.Context, key string, prev *oauth2.Token, fetch renew) result {
	st, err := c.storeGet(ctx, key)
	if r, ok := c.adopt(st.Token, prev); ok {
		return r
	}
	var held *lease
	if err != nil && st.Rev == "" { // unreachable (an unreadable entry has a Rev)
		err = fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	} else {
		var r result
		var done bool
		if st, held, r, done, err = c.lead(ctx, key, prev, st, fetch.singleUse()); done {
			return r
		}
	}
	holding := held != nil

	// Renew from the newest token: the fleet's, if another replica rotated
	// the refresh token since this one last saw it.
	base := prev
	if t := st.Token; t != nil && t.RefreshToken != "" && newer(t, prev) {
		if prev != nil {
			base = t
		} else {
			c.offerLineage(key, t)
		}
	}
	r := c.fetchToken(ctx, base, fetch, holding)
	if errors.Is(r.err, errNotSent) {
		// Why there is no lease: the Store failed, or another replica holds it.
		if r.err = err; err == nil {
			r.err = ErrRefreshInFlight
		}
	}
	if r.err != nil {
		if holding {
			c.giveBack(ctx, key, held)
		}
		return r
	}
	// Written even if the fill's ctx has ended: a rotated refresh token must
	// reach the fleet; under a lease, never after it (see leased.Guard).
	wctx, cancel := afterEnd(ctx, writeTimeout)
	defer cancel()
	if holding {
		var cancelGuard context.CancelFunc
		wctx, cancelGuard = context.WithDeadline(wctx, held.until.Add(-leased.Guard))
		defer cancelGuard()
	}
	cur, placed, _ := c.place(wctx, key, st.Rev, r.tok) // errors reported by place's calls
	switch {
	case placed:
		if holding {
			c.giveBack(ctx, key, held)
		}
		// Another replica may have written a newer token since st was read
		// (its lease ran out, or this fill fetched without one).
		if a, ok := c.adopt(cur.Token, r.tok); ok {
			return a
		}
	case holding && fetch.singleUse():
		// The fleet may not have the token, perhaps a rotated refresh
		// token. The lease is kept: the other replicas wait before renewing
		// from the older one the Store still holds, while rewrite tries
		// the write again; it gives the lease back once the write lands,
		// or lets it run out.
		c.startRewrite(ctx, key, st.Rev, r.tok, held)
	case holding:
		c.giveBack(ctx, key, held)
	}
	return r
}

// place writes tok, a fill's token, under key, whose entry was rev, unless
// the Store holds tok or a newer token by now. It reports whether the Store
// holds tok or a newer token once done, and returns the entry it found in
// place of rev, if any; after an error nobody knows what the Store holds.
func (c *Cache) place(ctx context.Context, key, rev string, tok *oauth2.Token) (cur Stored, placed bool, err error) {
	swapped, err := c.storeSwap(ctx, key, rev, tok)
	if err != nil || swapped {
		return Stored{}, swapped, err
	}
	// The entry changed since rev: an earlier write of tok landed after all
	// (its answer was lost), or another replica wrote.
	if cur, err = c.storeGet(ctx, key); err != nil {
		return cur, false, err
	}
	if t := cur.Token; t != nil && (t.AccessToken == tok.AccessToken || newer(t, tok)) {
		return cur, true, nil
	}
	// Never overwrite a newer refresh token with an older one; an older one
	// (or none) is overwritten.
	swapped, err = c.storeSwap(ctx, key, cur.Rev, tok)
	return cur, swapped, err
}

// startRewrite starts rewrite, unless the cache is closed; Close waits
// for it as for a fill, and ends it.
func (c *Cache) startRewrite(fill context.Context, key, rev string, tok *oauth2.Token, l *lease) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return // the lease runs out
	}
	if c.rewrites == nil {
		c.rewrites, c.endRewrites = context.WithCancel(context.Background())
	}
	// The fill's values, and an end at Close.
	ctx, cancel := context.WithCancel(context.WithoutCancel(fill))
	stop := context.AfterFunc(c.rewrites, cancel)
	c.fills.Add(1)
	go func() {
		defer c.fills.Done()
		defer stop()
		defer cancel()
		c.rewrite(ctx, key, rev, tok, l)
	}()
}

// rewrite writes tok, a renewal's token (its refresh token perhaps
// rotated), under key, whose entry was rev, after the fill's own write
// failed: again and again, with backoff, while the fill's lease l lasts.
// Once the Store holds tok, or a newer token, it gives l back. If l is
// about to run out first, or the cache is closed, it lets l run out, and
// the other replicas then renew from the older token the Store still
// holds.
func (c *Cache) rewrite(ctx context.Context, key, rev string, tok *oauth2.Token, l *lease) {
	for delay := rewriteMin; ; delay = min(2*delay, rewriteMax) {
		if !leased.Left(l.until, delay) {
			c.reportError(key, errRewriteLate)
			return
		}
		if httpc.Sleep(ctx, delay) != nil {
			return // closed
		}
		wctx, cancel := leased.Write(ctx, l.until, writeTimeout)
		_, placed, _ := c.place(wctx, key, rev, tok) // errors reported by place's calls
		cancel()
		if placed {
			c.giveBack(ctx, key, l)
			return
		}
	}
}

var errRewriteLate = fmt.Errorf("tokencache: store set: %w: the renewed token was not written before the key's lease ran out; the other replicas renew from the older one", ErrStoreUnavailable)

// lease is a key's lease in the Store, held by one fill.
type lease struct {
	release func(context.Context) error
	// until is when it runs out at the latest: its TTL from just before it
	// was asked for, in real time.
	until time.Time
}

// giveBack releases key's lease l, even after the fill's ctx has ended.
func (c *Cache) giveBack(ctx context.Context, key string, l *lease) {
	rctx, cancel := afterEnd(ctx, releaseTimeout)
	defer cancel()
	if err := l.release(rctx); err != nil {
		c.reportStore(key, "release", err)
	}
}

// afterEnd returns ctx's values with ctx's deadline or, if that is sooner
// or past, one d from now: for Store calls that must happen even when the
// fill's ctx has ended (the Store bounds each call further).
func afterEnd(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	end := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.After(end) {
		end = dl
	}
	return context.WithDeadline(context.WithoutCancel(ctx), end)
}

// lead takes key's lease, or waits for the replica holding it. It returns
// done with the token that replica wrote; else the lease and the entry read
// last, or, without the lease, why: [ErrStoreUnavailable] (the
// Store failed) or [ErrRefreshInFlight] (the wait ran out).
//
// A fill that may send a single-use secret (singleUse) waits for the holder
// until the lease is free (it then takes it) or until shortly before its own
// ctx ends; others wait at most [Config.StoreWait].
func (c *Cache) lead(ctx context.Context, key string, prev *oauth2.Token, st Stored, singleUse bool) (Stored, *lease, result, bool, error) {
	deadline := time.Now().Add(c.storeWait)
	if singleUse {
		end, ok := ctx.Deadline()
		if !ok {
			end = time.Now().Add(c.fetchTimeout)
		}
		deadline = end.Add(-min(c.fetchTimeout/10, giveUpMax))
	}
	delay := pollMin
	for {
		until := time.Now().Add(c.fetchTimeout + leaseMargin)
		release, err := c.store.Lease(ctx, key, c.fetchTimeout+leaseMargin)
		switch {
		case err == nil:
			held := &lease{release: release, until: until}
			// The previous holder may have written just before releasing.
			cur, gerr := c.storeGet(ctx, key)
			switch {
			case gerr == nil:
				st = cur
			case singleUse:
				// Not read, or there but unreadable (sealed with a key this
				// replica does not have yet, or damaged): the refresh token
				// the fleet holds may be newer than the one this replica
				// would renew from, which could then be a used one.
				c.giveBack(ctx, key, held)
				return st, nil, result{}, false, fmt.Errorf("%w: %w", ErrStoreUnavailable, gerr)
			case cur.Rev != "":
				st = cur // overwritten by this fill's own token
			}
			if r, ok := c.adopt(st.Token, prev); ok {
				c.giveBack(ctx, key, held)
				return st, nil, r, true, nil
			}
			return st, held, result{}, false, nil
		case !errors.Is(err, ErrLeaseHeld):
			c.reportStore(key, "lease", err)
			return st, nil, result{}, false, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		}
		wait := min(delay, time.Until(deadline))
		if wait <= 0 || httpc.Sleep(ctx, wait) != nil {
			return st, nil, result{}, false, ErrRefreshInFlight
		}
		delay = min(2*delay, pollMax)
		cur, err := c.storeGet(ctx, key)
		if err != nil && cur.Rev == "" {
			return st, nil, result{}, false, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		}
		st = cur
		if r, ok := c.adopt(st.Token, prev); ok {
			return st, nil, r, true, nil
		}
	}
}

// adopt returns tok, read from the Store, as a fill's result if it is a
// fresh token newer than prev.
func (c *Cache) adopt(tok, prev *oauth2.Token) (result, bool) {
	if tok == nil || tok.AccessToken == "" || !newer(tok, prev) {
		return result{}, false
	}
	now := c.clock.Now()
	if p := c.policy.plan(tok, now); p.fresh(now) {
		return result{tok: tok, plan: p, fromStore: true}, true
	}
	return result{}, false
}

// storeGet reads key from the Store. An error with a Stored that has a Rev
// is an entry that cannot be read (reported, and a miss); one without is a
// Store that could not be reached.
func (c *Cache) storeGet(ctx context.Context, key string) (Stored, error) {
	st, err := c.store.Get(ctx, key)
	if err != nil {
		c.reportStore(key, "get", err)
		return Stored{Rev: st.Rev}, err
	}
	return st, nil
}

// storeSwap writes tok under key if its entry is still rev, and reports
// whether it did; err is the Store's (reported).
func (c *Cache) storeSwap(ctx context.Context, key, rev string, tok *oauth2.Token) (bool, error) {
	var ttl time.Duration // zero: no expiry
	if !tok.Expiry.IsZero() {
		if ttl = tok.Expiry.Sub(c.clock.Now()); ttl <= 0 {
			if tok.RefreshToken == "" {
				return true, nil // nothing worth sharing
			}
			// Its refresh token is: the newest of the fleet, which a Store
			// keeps past its access token's expiry (see Store).
			ttl = time.Millisecond
		}
	}
	ok, err := c.store.CompareAndSwap(ctx, key, rev, tok, ttl)
	if err != nil {
		c.reportStore(key, "set", err)
		return false, err
	}
	return ok, nil
}

// offerLineage offers tok, the fleet's newest token for key, to the key's
// [Cache.RefreshingSource]s, if any: it becomes what they renew from unless
// they hold a newer one.
func (c *Cache) offerLineage(key string, tok *oauth2.Token) {
	c.linMu.Lock()
	ref, ok := c.lineages[key]
	c.linMu.Unlock()
	if !ok {
		return
	}
	if l := ref.ptr.Value(); l != nil {
		l.offer(tok)
	}
}

// errLimiter lets through one error per operation per storeErrorEvery, and
// counts the others.
type errLimiter struct {
	mu      sync.Mutex
	next    map[string]time.Time
	dropped map[string]int
}

// reportStore reports err, from the Store's operation op, to
// [Config.OnError] unless one of op's errors was reported less than
// storeErrorEvery ago; the next report counts those left out.
func (c *Cache) reportStore(key, op string, err error) {
	now := c.clock.Now()
	l := &c.storeErrs
	l.mu.Lock()
	if l.next == nil {
		l.next, l.dropped = map[string]time.Time{}, map[string]int{}
	}
	if now.Before(l.next[op]) {
		l.dropped[op]++
		l.mu.Unlock()
		return
	}
	n := l.dropped[op]
	l.dropped[op], l.next[op] = 0, now.Add(storeErrorEvery)
	l.mu.Unlock()

	err = fmt.Errorf("tokencache: store %s: %w", op, err)
	if n > 0 {
		err = fmt.Errorf("%w (and %d more since the last report)", err, n)
	}
	c.reportError(key, err)
}
