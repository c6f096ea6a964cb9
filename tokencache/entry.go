package tokencache

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// phase is what a caller does with an entry, published so that a hit is one
// atomic load. The cache's scheduler moves an entry between phases, never
// the readers.
type phase = uint32

const (
	phaseWait   phase = iota // no valid token: wait for (or start) the fill
	phaseFresh               // serve tok (also while a refresh is in flight)
	phaseStale               // serve tok and start a refresh
	phaseFailed              // hand out err until the backoff ends
)

// entry is one key's token and the machinery around it, kept small (64
// bytes) since a cache may hold 100,000 of them. Its key is in its table
// slot (and in the fills and sources that use it).
//
// A bound [Cache.TokenSource]'s hit reads only the first fields, which share
// a cache line: it loads phase and, if that is fresh (or stale), tok.
// Writers store tok before the phase that serves it and only ever store a
// newer token there, so a reader that saw a serving phase gets that token or
// a newer one. A keyed hit reads the table slot instead, which settle keeps
// serving the same token (see [table.publish]). flagDead is set under mu;
// everything after mu is guarded by it.
//
// Times are nanoseconds since the cache's epoch (see [Cache.at]); zero is
// "never". An expireAt of cleared marks tok as no longer held (after
// Invalidate): held() is nil.
type entry struct {
	phase atomic.Uint32
	hslot atomic.Int32  // 1 + index in the scheduler's heap; 0 when not scheduled
	tidx  atomic.Int32  // index of its table slot, -1 when it has none; written under table.mu
	flags atomic.Uint32 // flagUsed, flagDead, flagIdle
	tok   atomic.Pointer[oauth2.Token]

	mu       sync.Mutex
	staleAt  int64  // held()'s plan; both zero for a token without expiry
	expireAt int64  //
	call     *call  // fill in flight
	x        *extra // failures and invalidations; nil while there were none
}

// extra is the part of an entry that only failures and [Cache.Invalidate]
// need.
type extra struct {
	err      error  // last fill's error, while there is no valid token
	failures int    // consecutive failed fills
	retryAt  int64  // after a failure: no new fill before then
	gen      uint64 // incremented by Invalidate
}

func newEntry() *entry {
	e := &entry{} // phaseWait; not marked used: a key asked for once is the first to go
	e.tidx.Store(-1)
	return e
}

// served returns the token a hit may hand out: e's token while it is fresh,
// else nil.
func (e *entry) served() *oauth2.Token {
	if e.phase.Load() != phaseFresh {
		return nil
	}
	return e.tok.Load()
}

const (
	flagUsed = 1 << iota // set by bound sources' hits, cleared by the eviction sweep
	flagDead             // dropped from the table: callers look the key up again
	flagIdle             // invalidated and kept for the next fill; not counted by Len (mu)
)

// touch marks e as recently used, writing only if it was not marked.
func (e *entry) touch() {
	if e.flags.Load()&flagUsed == 0 {
		e.flags.Or(flagUsed)
	}
}

// takeUsed clears e's used mark and reports whether it was set.
func (e *entry) takeUsed() bool { return e.flags.And(^uint32(flagUsed))&flagUsed != 0 }

// dead reports whether e was dropped from the table.
func (e *entry) dead() bool { return e.flags.Load()&flagDead != 0 }

// held returns the last token stored, possibly expired; nil after
// Invalidate. e.mu must be held.
func (e *entry) held() *oauth2.Token {
	if e.expireAt == cleared {
		return nil
	}
	return e.tok.Load()
}

// hold stores tok, received at now, with plan p. e.mu must be held.
func (c *Cache) hold(e *entry, tok *oauth2.Token, p plan) {
	e.tok.Store(tok) // a newer, valid token: safe to publish before the phase
	e.staleAt, e.expireAt = c.at(p.staleAt), c.at(p.expireAt)
}

// cleared is the expireAt of an entry whose token was invalidated.
const cleared = -1

// ext returns e's extra, allocating it. e.mu must be held.
func (e *entry) ext() *extra {
	if e.x == nil {
		e.x = &extra{}
	}
	return e.x
}

func (e *entry) gen() uint64 {
	if e.x == nil {
		return 0
	}
	return e.x.gen
}

func (e *entry) retryAt() int64 {
	if e.x == nil {
		return 0
	}
	return e.x.retryAt
}

func (e *entry) failures() int {
	if e.x == nil {
		return 0
	}
	return e.x.failures
}

// valid reports whether e holds a token that has not expired at now.
func (e *entry) valid(now int64) bool {
	return e.held() != nil && (e.expireAt == 0 || now < e.expireAt)
}

// at converts t to the entries' time: nanoseconds since the cache's epoch,
// by the wall clock (as time.Time compares a token's Expiry), at least 1 so
// that zero stays "never". The zero Time is 0.
func (c *Cache) at(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return max(int64(t.Round(0).Sub(c.epoch)), 1)
}

// resolve returns the live entry for key, creating it if there is none.
func (c *Cache) resolve(key string) (e *entry, created bool) {
	if e := c.table.load(key); e != nil && !e.dead() {
		return e, false
	}
	return c.table.loadOrCreate(key)
}

// settle publishes e's phase at now and schedules its next change, or drops
// e if it holds nothing worth keeping. e.mu must be held.
func (c *Cache) settle(e *entry, now time.Time) {
	c.settleAt(e, c.at(now))
}

func (c *Cache) settleAt(e *entry, now int64) {
	var ph phase
	var next int64
	switch {
	case e.valid(now):
		serveUntil := max(e.staleAt, e.retryAt())
		switch {
		case e.expireAt == 0:
			ph = phaseFresh
		case e.call != nil || now < serveUntil:
			// With a fill in flight the token is served until it expires,
			// but the deadline is still serveUntil if that is to come:
			// settled then, e is fresh again while the fill lasts, and the
			// settle once the fill ends, usually before, moves no deadline.
			ph = phaseFresh
			next = e.expireAt
			if now < serveUntil && serveUntil < next {
				next = serveUntil
			}
		default:
			ph = phaseStale
			next = e.expireAt
		}
	case e.call != nil:
		ph = phaseWait
	case e.x != nil && e.x.err != nil && now < e.x.retryAt:
		ph = phaseFailed
		next = e.x.retryAt
	default:
		c.drop(e)
		return
	}
	was := e.phase.Load()
	if was != ph {
		e.phase.Store(ph)
	}
	if was == phaseFresh || ph == phaseFresh {
		c.table.publish(e) // its token stops being served, or may be new
	}
	c.sched.set(c, e, next, now)
}

// wake clears e's idle mark, if set: it is filled again, or dropped. e.mu
// must be held.
func (c *Cache) wake(e *entry) {
	if e.flags.Load()&flagIdle != 0 {
		e.flags.And(^uint32(flagIdle))
		c.idle.Add(-1)
	}
}

// drop removes e from the cache: callers holding it will look the key up
// again. e.mu must be held.
func (c *Cache) drop(e *entry) {
	c.wake(e)
	e.flags.Or(flagDead)
	e.phase.Store(phaseWait)
	c.sched.set(c, e, 0, 0)
	c.table.delete(e)
}
