package tokencache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// How a fill polls the Store for the token of another replica holding the
// key's lease: backoff from pollMin, doubling up to pollMax. These are
// network waits, in real time whatever the [Config.Clock].
const (
	pollMin = 5 * time.Millisecond
	pollMax = 100 * time.Millisecond
	// releaseTimeout bounds giving a lease back, which runs even after the
	// fill's ctx has ended (the Store bounds it further).
	releaseTimeout = time.Second
	// storeErrorEvery is how often [Config.OnError] hears of Store errors
	// of one operation: a Redis that is down fails every fill.
	storeErrorEvery = time.Second
)

// obtainShared is obtain with a Store, following the steps in [Store]'s
// documentation: adopt a fresh token another replica wrote; else take the
// key's lease or wait for the holder's token; else fetch, from the newest
// token the fleet holds, and write with compare-and-swap.
func (c *Cache) obtainShared(ctx context.Context, key string, prev *oauth2.Token, fetch renew) result {
	st, reachable := c.storeGet(ctx, key)
	if r, ok := c.adopt(st.Token, prev); ok {
		return r
	}
	if reachable {
		var release func(context.Context) error
		var r result
		var done bool
		if st, release, r, done = c.lead(ctx, key, prev, st); done {
			return r
		}
		if release != nil {
			defer func() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
				defer cancel()
				if err := release(rctx); err != nil {
					c.reportStore(key, "release", err)
				}
			}()
		}
	}

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
	r := c.fetchToken(ctx, base, fetch)
	if r.err != nil {
		return r
	}
	if ok := c.storeSwap(ctx, key, st.Rev, r.tok); ok {
		return r
	}
	// Another replica wrote since st was read (its lease ran out, or this
	// fill stopped waiting for it): keep whichever token is newer, never
	// overwriting a newer refresh token with an older one.
	if cur, up := c.storeGet(ctx, key); up && cur.Token != nil {
		if a, ok := c.adopt(cur.Token, r.tok); ok {
			return a
		}
		if !newer(cur.Token, r.tok) {
			c.storeSwap(ctx, key, cur.Rev, r.tok)
		}
	}
	return r
}

// lead takes key's lease, or waits for the replica holding it. It returns
// done with the token that replica wrote; else the lease's release (nil when
// this fill fetches without the lease: the Store failed, or the wait ran
// out) and the entry read last.
func (c *Cache) lead(ctx context.Context, key string, prev *oauth2.Token, st Stored) (Stored, func(context.Context) error, result, bool) {
	deadline := time.Now().Add(c.storeWait)
	delay := pollMin
	for {
		release, err := c.store.Lease(ctx, key, c.fetchTimeout)
		switch {
		case err == nil:
			// The previous holder may have written just before releasing.
			if cur, up := c.storeGet(ctx, key); up {
				st = cur
			}
			if r, ok := c.adopt(st.Token, prev); ok {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
				if err := release(rctx); err != nil {
					c.reportStore(key, "release", err)
				}
				cancel()
				return st, nil, r, true
			}
			return st, release, result{}, false
		case !errors.Is(err, ErrLeaseHeld):
			c.reportStore(key, "lease", err)
			return st, nil, result{}, false
		}
		wait := min(delay, time.Until(deadline))
		if wait <= 0 || !sleep(ctx, wait) {
			return st, nil, result{}, false
		}
		delay = min(2*delay, pollMax)
		cur, up := c.storeGet(ctx, key)
		if !up {
			return st, nil, result{}, false
		}
		st = cur
		if r, ok := c.adopt(st.Token, prev); ok {
			return st, nil, r, true
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

// storeGet reads key from the Store. up is false when the Store could not be
// reached (an entry that cannot be read is reported, and is a miss).
func (c *Cache) storeGet(ctx context.Context, key string) (st Stored, up bool) {
	st, err := c.store.Get(ctx, key)
	if err != nil {
		c.reportStore(key, "get", err)
		return Stored{Rev: st.Rev}, st.Rev != ""
	}
	return st, true
}

// storeSwap writes tok under key if its entry is still rev, and reports
// whether it did.
func (c *Cache) storeSwap(ctx context.Context, key, rev string, tok *oauth2.Token) bool {
	var ttl time.Duration // zero: no expiry
	if !tok.Expiry.IsZero() {
		if ttl = tok.Expiry.Sub(c.clock.Now()); ttl <= 0 {
			return true // nothing worth sharing
		}
	}
	ok, err := c.store.CompareAndSwap(ctx, key, rev, tok, ttl)
	if err != nil {
		c.reportStore(key, "set", err)
		return true // no conflict known: keep the fetched token
	}
	return ok
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

// sleep waits for d in real time, or until ctx ends; it reports whether d
// passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
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
