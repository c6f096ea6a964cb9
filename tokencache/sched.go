package tokencache

import (
	"sync"
	"time"
)

// scheduler moves entries between phases at their deadlines (turning stale,
// expiring, ending a backoff) with one timer of the cache's [Clock] for all
// of them, armed for the earliest deadline, instead of one timer per key: a
// deadline is an entry in a heap, 16 bytes, and 100,000 keys turning stale
// at once cost one timer callback, not 100,000 goroutines.
//
// Only deadlines within the horizon (a minute) are in the heap. An entry
// whose next deadline is further away is parked: it holds no heap slot, and
// a sweep over the table, when the earliest parked deadline comes within
// the horizon (and at most every half horizon), moves those now within it
// into the heap. A key whose token lives an hour thus costs no heap slot for
// most of its life, and the sweep, one pass over the keys every half
// minute at most, costs far less than keeping them all in order.
//
// With the system clock the timer is one [time.Timer], made on first use and
// then Reset for each new earliest deadline, so that re-arming it allocates
// nothing; when the heap empties it is left armed (its call then finds
// nothing due), so that a later deadline needs no Reset at all. Another
// [Clock] gets a new AfterFunc each time and is stopped when nothing is
// left to wait for.
type scheduler struct {
	mu      sync.Mutex
	h       deadlines
	sys     *time.Timer // the system clock's timer, reused; nil before first use or with another Clock
	stop    func() bool // cancels another Clock's armed timer; nil if none
	armed   bool        // a timer is pending (or its call has not yet taken mu)
	armedAt int64       // its deadline
	seq     uint64      // identifies another Clock's armed timer
	closed  bool
	due     []*entry // fire's batch, reused

	parked   int   // entries parked
	parkedBy int64 // no parked deadline is earlier (since the last sweep began); zero if none
	swept    int64 // when the last sweep began
}

// horizon is how far ahead a deadline must be for its entry to be parked
// rather than held in the heap.
const horizon = int64(time.Minute)

// parked is the hslot of a parked entry.
const parked = -1

// fireBatch bounds how many entries fire takes from the heap under mu, so
// that no caller arming a deadline waits long behind it.
const fireBatch = 128

type deadline struct {
	at int64
	e  *entry
}

// deadlines is a min-heap of deadlines; each entry's hslot is 1 + its index
// (written under the scheduler's mu, read anywhere). Its operations are
// written out rather than through container/heap, whose interface boxes
// every deadline pushed or popped.
type deadlines []deadline

func (h deadlines) place(i int, d deadline) {
	h[i] = d
	d.e.hslot.Store(int32(i + 1))
}

// up moves h[i] towards the root to its place.
func (h deadlines) up(i int) {
	d := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= d.at {
			break
		}
		h.place(i, h[p])
		i = p
	}
	h.place(i, d)
}

// down moves h[i] towards the leaves to its place and reports whether it
// moved.
func (h deadlines) down(i int) bool {
	d, start, n := h[i], i, len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at < h[c].at {
			c++
		}
		if d.at <= h[c].at {
			break
		}
		h.place(i, h[c])
		i = c
	}
	h.place(i, d)
	return i > start
}

func (h *deadlines) push(d deadline) {
	*h = append(*h, d)
	h.up(len(*h) - 1)
}

// remove takes out h[i] and returns it.
func (h *deadlines) remove(i int) deadline {
	old := *h
	d, last := old[i], len(old)-1
	if i != last {
		old.place(i, old[last])
	}
	old[last] = deadline{}
	*h = old[:last]
	if i != last && !h.down(i) {
		h.up(i)
	}
	d.e.hslot.Store(0)
	return d
}

// fix restores the heap after h[i].at changed.
func (h deadlines) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

// set schedules e to be settled at at (never, if at is zero), now being
// the current time. e.mu must be held.
func (s *scheduler) set(c *Cache, e *entry, at, now int64) {
	if at == 0 && e.hslot.Load() == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := int(e.hslot.Load())
	if i == parked {
		if at > now+horizon && !s.closed {
			s.lower(at)
			s.arm(c, now)
			return
		}
		s.parked--
		e.hslot.Store(0)
		i = 0
	}
	i-- // the heap index, -1 if none
	switch {
	case at > now+horizon && !s.closed:
		if i >= 0 {
			s.h.remove(i)
		}
		e.hslot.Store(parked)
		s.parked++
		s.lower(at)
	case i >= 0 && at == 0:
		s.h.remove(i)
	case i >= 0:
		if s.h[i].at == at {
			return
		}
		s.h[i].at = at
		s.h.fix(i)
	case at != 0 && !s.closed:
		s.h.push(deadline{at: at, e: e})
	}
	s.arm(c, now)
}

// lower notes that a parked deadline is at at. s.mu must be held.
func (s *scheduler) lower(at int64) {
	if s.parkedBy == 0 || at < s.parkedBy {
		s.parkedBy = at
	}
}

// sweepAt returns when the next sweep is due, now being the current time;
// zero if none is. s.mu must be held.
//
// Sweeps are at least half the horizon apart, unless the wall clock was
// set back to before the last one: the parked deadlines are wall-clock
// times, like the token expiries they come from, and stay where they are.
func (s *scheduler) sweepAt(now int64) int64 {
	if s.parked == 0 || s.closed {
		return 0
	}
	spaced := s.swept + horizon/2
	if s.swept > now {
		spaced = now
	}
	return max(s.parkedBy-horizon, spaced, 1)
}

// arm points the timer at the earliest deadline, or the next sweep, if it
// is not already, and stops it when there is neither. s.mu must be held.
func (s *scheduler) arm(c *Cache, now int64) {
	if now == 0 && s.parked > 0 {
		now = c.at(c.clock.Now())
	}
	first := s.sweepAt(now)
	if len(s.h) > 0 && (first == 0 || s.h[0].at < first) {
		first = s.h[0].at
	}
	if len(s.h) == 0 && cap(s.h) > 64 {
		s.h = nil // give back a large heap once empty
	}
	if first == 0 {
		if s.sys == nil || s.closed {
			s.disarm()
		} // else the system timer stays armed: its call finds nothing due,
		// and the next deadline, if later, needs no Reset (with 1 key, every
		// Invalidate empties the heap and the fill after it fills it again)
		return
	}
	if s.armed && s.armedAt <= first {
		return
	}
	if now == 0 {
		now = c.at(c.clock.Now())
	}
	s.armed, s.armedAt = true, first
	d := time.Duration(first - now)
	if _, ok := c.clock.(systemClock); ok {
		// Since Go 1.23 a Reset needs no Stop first, and a call of the
		// function already under way is harmless: fire re-arms at its end.
		if s.sys == nil {
			s.sys = time.AfterFunc(d, c.fireSys)
		} else {
			s.sys.Reset(d)
		}
		return
	}
	if s.stop != nil {
		s.stop()
	}
	s.seq++
	seq := s.seq
	s.stop = c.clock.AfterFunc(d, func() { c.fire(seq) })
}

// disarm stops the armed timer, if any. s.mu must be held.
func (s *scheduler) disarm() {
	if !s.armed {
		return
	}
	s.armed = false
	if s.sys != nil {
		s.sys.Stop()
	}
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// fireSys is the system timer's function (see [scheduler.sys]).
func (c *Cache) fireSys() { c.fire(0) }

// fire settles every entry whose deadline has come, in batches, then arms
// the timer for the next one. seq is zero for the system timer, else the
// seq of the AfterFunc that called it.
func (c *Cache) fire(seq uint64) {
	s := &c.sched
	s.mu.Lock()
	switch {
	case seq == 0:
		// The system timer fired, or a call from before a Reset: either
		// way the arm at the end of this fire reschedules it.
		s.armed = false
	case s.seq == seq:
		s.armed, s.stop = false, nil // fired: the next arm makes a new timer
	}
	s.mu.Unlock()
	for {
		now := c.at(c.clock.Now())
		s.mu.Lock()
		due := s.due[:0]
		for len(s.h) > 0 && s.h[0].at <= now && len(due) < fireBatch {
			due = append(due, s.h.remove(0).e)
		}
		s.due = nil // owned by this call while it settles them
		if len(due) == 0 {
			if at := s.sweepAt(now); at != 0 && at <= now {
				s.due = due
				s.mu.Unlock()
				c.sweep(now)
				continue
			}
			s.due = due
			s.arm(c, now)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		for i, e := range due {
			e.mu.Lock()
			if !e.dead() { // settled early if it was rescheduled meanwhile: harmless
				c.settleAt(e, now)
			}
			e.mu.Unlock()
			due[i] = nil
		}
		s.mu.Lock()
		s.due = due
		s.mu.Unlock()
	}
}

// sweep moves the parked entries whose deadline is now within the horizon
// into the heap, settling those whose deadline has passed, and notes the
// earliest deadline of the others for the next sweep.
//
// An entry parked before the sweep began is in the table (an entry is put
// in the table before its first deadline, and leaves the scheduler before
// the table), so the sweep finds it; one parked after lowers parkedBy
// itself.
func (c *Cache) sweep(now int64) {
	s := &c.sched
	s.mu.Lock()
	s.swept, s.parkedBy = now, 0
	s.mu.Unlock()
	next := int64(0)
	for _, e := range c.table.entries() {
		if e.hslot.Load() != parked {
			continue
		}
		e.mu.Lock()
		if !e.dead() && e.hslot.Load() == parked {
			switch ph, at, keep := e.plan(now); {
			case !keep || ph != e.phase() || at <= now:
				c.settleAt(e, now)
			case at <= now+horizon:
				s.set(c, e, at, now)
			case next == 0 || at < next:
				next = at
			}
		}
		e.mu.Unlock()
	}
	if next != 0 {
		s.mu.Lock()
		s.lower(next)
		s.mu.Unlock()
	}
}

// close stops the timer and forgets every deadline.
func (s *scheduler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, d := range s.h {
		d.e.hslot.Store(0)
	}
	s.h = nil
	s.disarm()
}
