package tokencache

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// phase is what a caller does with an entry, published so that a hit is one
// atomic load. Timers move an entry between phases, never the readers.
type phase = uint32

const (
	phaseWait   phase = iota // no valid token: wait for (or start) the fill
	phaseFresh               // serve tok (also while a refresh is in flight)
	phaseStale               // serve tok and start a refresh
	phaseFailed              // hand out err until the backoff ends
)

// entry is one key's token and the machinery around it.
//
// A hit reads only the first fields, which share a cache line: it loads
// phase and, if that is fresh (or stale), tok. Writers store tok before the
// phase that serves it and only ever store a newer token there, so a reader
// that saw a serving phase gets that token or a newer one. dead is written
// under mu; everything after mu is guarded by it.
type entry struct {
	phase atomic.Uint32
	used  atomic.Bool // set by hits, cleared by the eviction sweep
	dead  atomic.Bool // dropped from the table: callers look the key up again
	tok   atomic.Pointer[oauth2.Token]
	key   string

	mu       sync.Mutex
	held     *oauth2.Token // last token stored, possibly expired; nil after Invalidate
	plan     plan          // held's stale and expiry times
	call     *call         // fill in flight
	err      error         // last fill's error, while there is no valid token
	failures int           // consecutive failed fills
	retryAt  time.Time     // after a failure: no new fill before then
	gen      uint64        // incremented by Invalidate

	stop     func() bool // cancels the pending timer
	timerAt  time.Time   // its deadline
	timerSeq uint64      // identifies it, so a superseded timer does nothing
}

func newEntry(key string) *entry {
	return &entry{key: key} // phaseWait; not marked used: a key asked for once is the first to go
}

// touch marks e as recently used, writing only if it was not marked.
func (e *entry) touch() {
	if !e.used.Load() {
		e.used.Store(true)
	}
}

// valid reports whether e holds a token that has not expired at now.
func (e *entry) valid(now time.Time) bool {
	return e.held != nil && (e.plan.expireAt.IsZero() || now.Before(e.plan.expireAt))
}

// resolve returns the live entry for key, creating it if there is none.
func (c *Cache) resolve(key string) (e *entry, created bool) {
	if e := c.table.load(key); e != nil && !e.dead.Load() {
		return e, false
	}
	return c.table.loadOrCreate(key)
}

// settle publishes e's phase at now and arms its timer for the next change,
// or drops e if it holds nothing worth keeping. e.mu must be held.
func (c *Cache) settle(e *entry, now time.Time) {
	var ph phase
	var next time.Time
	switch {
	case e.valid(now):
		serveUntil := e.plan.staleAt
		if e.retryAt.After(serveUntil) {
			serveUntil = e.retryAt
		}
		switch {
		case e.plan.expireAt.IsZero():
			ph = phaseFresh
		case e.call != nil || now.Before(serveUntil):
			ph = phaseFresh
			next = e.plan.expireAt
			if e.call == nil && serveUntil.Before(next) {
				next = serveUntil
			}
		default:
			ph = phaseStale
			next = e.plan.expireAt
		}
		if e.tok.Load() != e.held {
			e.tok.Store(e.held)
		}
	case e.call != nil:
		ph = phaseWait
	case e.err != nil && now.Before(e.retryAt):
		ph = phaseFailed
		next = e.retryAt
	default:
		c.drop(e)
		return
	}
	if e.phase.Load() != ph {
		e.phase.Store(ph)
	}
	c.arm(e, now, next)
}

// arm makes e's timer fire at at (never, if at is zero). e.mu must be held.
func (c *Cache) arm(e *entry, now, at time.Time) {
	if at.Equal(e.timerAt) && (e.stop != nil || at.IsZero()) {
		return
	}
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
	e.timerAt = at
	if at.IsZero() {
		return
	}
	e.timerSeq++
	seq := e.timerSeq
	e.stop = c.clock.AfterFunc(at.Sub(now), func() { c.tick(e, seq) })
}

// tick runs when e's timer fires: the entry may have turned stale or expired,
// or its backoff ended.
func (c *Cache) tick(e *entry, seq uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dead.Load() || seq != e.timerSeq {
		return
	}
	e.stop, e.timerAt = nil, time.Time{}
	c.settle(e, c.clock.Now())
}

// drop removes e from the cache: callers holding it will look the key up
// again. e.mu must be held.
func (c *Cache) drop(e *entry) {
	e.dead.Store(true)
	e.phase.Store(phaseWait)
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
	c.table.delete(e.key, e)
}
