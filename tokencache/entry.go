package tokencache

import (
	"math"
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

	phaseMask = 3 // of entry.bits
)

// entry is one key's token and the machinery around it, kept small (48
// bytes) since a cache may hold 100,000 of them. Its key is in its table
// slot (and in the fills and sources that use it).
//
// A bound [Cache.TokenSource]'s hit reads only the first fields, which share
// a cache line: it loads bits and, if their phase is fresh (or stale), tok.
// Writers store tok before the phase that serves it and only ever store a
// newer token there, so a reader that saw a serving phase gets that token or
// a newer one. A keyed hit reads the table slot instead, which settle keeps
// serving the same token (see [table.publish]). The phase and flagDead are
// written under mu; everything after mu is guarded by it.
//
// Times are nanoseconds since the cache's epoch (see [Cache.at]); zero is
// "never". An expireAt of cleared marks tok as no longer held (after
// Invalidate): held() is nil. The time the token turns stale is kept as
// how many milliseconds before expireAt it is (see [Cache.hold]).
type entry struct {
	bits  atomic.Uint32 // the phase (phaseMask) and the flags
	hslot atomic.Int32  // 1 + index in the scheduler's heap; 0 when not scheduled; parked (-1) when parked (see [scheduler])
	tidx  atomic.Int32  // index of its table slot, -1 when it has none; written under table.mu
	early uint32        // staleAt is this many ms before expireAt (mu)
	tok   atomic.Pointer[oauth2.Token]

	mu       sync.Mutex
	expireAt int64
	// fill is the fill in flight (see inflight) or, once it is over, the
	// record of the consecutive failed fills, kept while there is one: a
	// fill starts from its predecessor's record. Nil when neither.
	fill *call
}

func newEntry() *entry {
	e := &entry{} // phaseWait; not marked used: a key asked for once is the first to go
	e.tidx.Store(-1)
	return e
}

// phase returns the phase e is published in.
func (e *entry) phase() phase { return e.bits.Load() & phaseMask }

// setPhase publishes ph, keeping the flags. e.mu must be held.
func (e *entry) setPhase(ph phase) {
	for {
		b := e.bits.Load()
		if b&phaseMask == ph || e.bits.CompareAndSwap(b, b&^phaseMask|ph) {
			return
		}
	}
}

// served returns the token a hit may hand out: e's token while it is fresh,
// else nil.
func (e *entry) served() *oauth2.Token {
	if e.phase() != phaseFresh {
		return nil
	}
	return e.tok.Load()
}

// The flags share bits with the phase, above phaseMask.
const (
	flagUsed = 1 << (iota + 2) // set by bound sources' hits, cleared by the eviction sweep
	flagDead                   // dropped from the table: callers look the key up again
	flagIdle                   // invalidated and kept for the next fill; not counted by Len (mu)
)

// touch marks e as recently used, writing only if it was not marked.
func (e *entry) touch() {
	if e.bits.Load()&flagUsed == 0 {
		e.bits.Or(flagUsed)
	}
}

// takeUsed clears e's used mark and reports whether it was set.
func (e *entry) takeUsed() bool { return e.bits.And(^uint32(flagUsed))&flagUsed != 0 }

// dead reports whether e was dropped from the table.
func (e *entry) dead() bool { return e.bits.Load()&flagDead != 0 }

// held returns the last token stored, possibly expired; nil after
// Invalidate. e.mu must be held.
func (e *entry) held() *oauth2.Token {
	if e.expireAt == cleared {
		return nil
	}
	return e.tok.Load()
}

// staleAt returns when held()'s token turns stale; zero for a token without
// expiry. e.mu must be held.
func (e *entry) staleAt() int64 {
	if e.expireAt <= 0 {
		return 0
	}
	return e.expireAt - int64(e.early)*int64(time.Millisecond)
}

// hold stores tok, received at now, with plan p. e.mu must be held.
//
// The stale time is kept to the millisecond, rounded earlier, and at most
// about 49 days (2^32 ms) before the expiry: a token refreshed further ahead
// than that turns stale 49 days before it expires.
func (c *Cache) hold(e *entry, tok *oauth2.Token, p plan) {
	e.tok.Store(tok) // a newer, valid token: safe to publish before the phase
	e.expireAt = c.at(p.expireAt)
	e.early = 0
	if staleAt := c.at(p.staleAt); e.expireAt > 0 && staleAt < e.expireAt {
		ms := (e.expireAt - staleAt + int64(time.Millisecond) - 1) / int64(time.Millisecond)
		e.early = uint32(min(ms, math.MaxUint32))
	}
}

// cleared is the expireAt of an entry whose token was invalidated.
const cleared = -1

// inflight returns e's fill in flight, or nil. e.mu must be held.
func (e *entry) inflight() *call {
	if f := e.fill; f != nil && !f.over {
		return f
	}
	return nil
}

// retryAt returns when, after a failure, the next fill may start; zero
// if there was none. e.mu must be held.
func (e *entry) retryAt() int64 {
	if e.fill == nil {
		return 0
	}
	return e.fill.retryAt
}

// failed returns the error handed out after the last fill failed while
// there was no valid token, until retryAt; nil if none. e.mu must be held.
func (e *entry) failed() error {
	if e.fill == nil {
		return nil
	}
	return e.fill.failErr
}

// forgetFailures clears e's record of failed fills. e.mu must be held.
func (e *entry) forgetFailures() {
	switch f := e.fill; {
	case f == nil:
	case f.over:
		e.fill = nil
	default:
		f.failErr, f.failures, f.retryAt = nil, 0, 0
	}
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
// missed skips the lock-free probe: the caller's has just missed.
func (c *Cache) resolve(key string, missed bool) (e *entry, created bool) {
	if !missed {
		if e := c.table.load(key); e != nil && !e.dead() {
			return e, false
		}
	}
	return c.table.loadOrCreate(key)
}

// settle publishes e's phase at now and schedules its next change, or drops
// e if it holds nothing worth keeping. e.mu must be held.
func (c *Cache) settle(e *entry, now time.Time) {
	c.settleAt(e, c.at(now))
}

func (c *Cache) settleAt(e *entry, now int64) {
	ph, next, keep := e.plan(now)
	if !keep {
		c.drop(e)
		return
	}
	was := e.phase()
	if was != ph {
		e.setPhase(ph)
	}
	if was == phaseFresh || ph == phaseFresh {
		c.table.publish(e) // its token stops being served, or may be new
	}
	c.sched.set(c, e, next, now)
}

// plan returns the phase e is in at now and when that changes next (zero:
// never), or keep false if e holds nothing worth keeping. e.mu must be
// held.
func (e *entry) plan(now int64) (ph phase, next int64, keep bool) {
	switch {
	case e.valid(now):
		serveUntil := max(e.staleAt(), e.retryAt())
		switch {
		case e.expireAt == 0:
			return phaseFresh, 0, true
		case e.inflight() != nil || now < serveUntil:
			// With a fill in flight the token is served until it expires,
			// but the deadline is still serveUntil if that is to come:
			// settled then, e is fresh again while the fill lasts, and the
			// settle once the fill ends, usually before, moves no deadline.
			next = e.expireAt
			if now < serveUntil && serveUntil < next {
				next = serveUntil
			}
			return phaseFresh, next, true
		default:
			return phaseStale, e.expireAt, true
		}
	case e.inflight() != nil:
		return phaseWait, 0, true
	case e.failed() != nil && now < e.retryAt():
		return phaseFailed, e.retryAt(), true
	}
	return phaseWait, 0, false
}

// wake clears e's idle mark, if set: it is filled again, or dropped. e.mu
// must be held.
func (c *Cache) wake(e *entry) {
	if e.bits.Load()&flagIdle != 0 {
		e.bits.And(^uint32(flagIdle))
		c.idle.Add(-1)
	}
}

// drop removes e from the cache: callers holding it will look the key up
// again. e.mu must be held.
func (c *Cache) drop(e *entry) {
	c.wake(e)
	e.bits.Or(flagDead)
	e.setPhase(phaseWait)
	c.sched.set(c, e, 0, 0)
	c.table.delete(e)
}
