package tokencache

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// table maps keys to entries: an open-addressing hash table with linear
// probing whose lookups take no lock. Writes (under mu) change one slot at a
// time, deletes shift the following slots back (no tombstones), and the slot
// array is only rebuilt when it grows. A lookup is thus one hash, one or two
// adjacent slots and the entry, about the cost of a read of a plain Go map,
// and no write copies the whole table; a Go map behind an atomic pointer,
// copied on write, stalled writers for milliseconds at 100,000 keys.
//
// A lookup running while a write moves slots may miss its key or find a
// dropped entry (marked dead): callers then look again under mu (get,
// loadOrCreate), which is exact.
type table struct {
	seed  maphash.Seed
	slots atomic.Pointer[slots] // replaced only when it grows

	mu sync.Mutex // serializes writes
	n  int        // live entries
}

// slots is one slot array; its length is a power of two.
type slots struct {
	s    []slot
	mask uint64
}

// slot holds an entry and its key's hash, so that probing compares hashes
// without reading entries. Writers store hash before e; readers check the
// entry's key, so a torn read is at worst a miss.
type slot struct {
	hash atomic.Uint64
	e    atomic.Pointer[entry]
}

const (
	minSlots = 8
	// The table grows when more than 13/16 of its slots are used: linear
	// probing stays short up to there, and 100,000 keys fit 131,072 slots.
	loadNum, loadDen = 13, 16
)

func newTable() *table {
	t := &table{seed: maphash.MakeSeed()}
	t.slots.Store(&slots{s: make([]slot, minSlots), mask: minSlots - 1})
	return t
}

func (t *table) hash(key string) uint64 { return maphash.String(t.seed, key) }

// load returns the entry for key, possibly dead, or nil (possibly wrongly,
// while a write moves slots).
func (t *table) load(key string) *entry {
	return t.slots.Load().find(t.hash(key), key)
}

func (ss *slots) find(h uint64, key string) *entry {
	for i, n := h&ss.mask, 0; n <= int(ss.mask); i, n = (i+1)&ss.mask, n+1 {
		s := &ss.s[i]
		e := s.e.Load()
		if e == nil {
			return nil
		}
		if s.hash.Load() == h && e.key == key {
			return e
		}
	}
	return nil
}

// get returns the live entry for key, or nil.
func (t *table) get(key string) *entry {
	h := t.hash(key)
	if e := t.slots.Load().find(h, key); e != nil && !e.dead.Load() {
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.slots.Load().find(h, key); e != nil && !e.dead.Load() {
		return e
	}
	return nil
}

// loadOrCreate returns the live entry for key, creating it if there is
// none, and reports whether it did.
func (t *table) loadOrCreate(key string) (e *entry, created bool) {
	h := t.hash(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	ss := t.slots.Load()
	if e := ss.find(h, key); e != nil {
		if !e.dead.Load() {
			return e, false
		}
		t.remove(ss, h, e) // a dropped entry not yet removed
	}
	if (t.n+1)*loadDen > len(ss.s)*loadNum {
		ss = t.grow(ss)
	}
	e = newEntry(key)
	ss.put(h, e)
	t.n++
	return e, true
}

// put stores e in the first free slot from h's. t.mu must be held.
func (ss *slots) put(h uint64, e *entry) {
	i := h & ss.mask
	for ss.s[i].e.Load() != nil {
		i = (i + 1) & ss.mask
	}
	ss.s[i].hash.Store(h)
	ss.s[i].e.Store(e)
}

// grow publishes a slot array twice as large, holding the same entries.
// t.mu must be held.
func (t *table) grow(old *slots) *slots {
	n := 2 * len(old.s)
	ss := &slots{s: make([]slot, n), mask: uint64(n - 1)}
	for i := range old.s {
		if e := old.s[i].e.Load(); e != nil {
			ss.put(old.s[i].hash.Load(), e)
		}
	}
	t.slots.Store(ss)
	return ss
}

// delete removes key if it still maps to e.
func (t *table) delete(key string, e *entry) {
	h := t.hash(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.remove(t.slots.Load(), h, e)
}

// remove empties e's slot, if e is in ss, and moves back the entries after
// it that would no longer be found past the gap. t.mu must be held.
func (t *table) remove(ss *slots, h uint64, e *entry) {
	i := h & ss.mask
	for {
		cur := ss.s[i].e.Load()
		if cur == nil {
			return
		}
		if cur == e {
			break
		}
		i = (i + 1) & ss.mask
	}
	t.n--
	for j := (i + 1) & ss.mask; ; j = (j + 1) & ss.mask {
		next := ss.s[j].e.Load()
		if next == nil {
			break
		}
		nh := ss.s[j].hash.Load()
		home := nh & ss.mask
		// next may move to the gap at i if its home is not in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			ss.s[i].hash.Store(nh)
			ss.s[i].e.Store(next)
			i = j
		}
	}
	ss.s[i].e.Store(nil)
	ss.s[i].hash.Store(0)
}

// len returns the number of live entries.
func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// entries returns the live entries.
func (t *table) entries() []*entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	ss := t.slots.Load()
	es := make([]*entry, 0, t.n)
	for i := range ss.s {
		if e := ss.s[i].e.Load(); e != nil {
			es = append(es, e)
		}
	}
	return es
}
