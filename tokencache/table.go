package tokencache

import (
	"maps"
	"sync"
	"sync/atomic"
)

// table maps keys to entries. A hit is a lookup in a plain Go map behind an
// atomic pointer, without locks; writes go to a copy under a mutex, which is
// published once enough lookups missed the published map. This is how
// sync.Map was built before Go 1.24; its current hash trie costs about twice
// as much per lookup at 10,000 keys, a few cache misses more.
//
// The published map may lag: it can miss new keys (found under the mutex)
// and hold dropped entries (marked dead; callers look again under the mutex).
type table struct {
	read atomic.Pointer[map[string]*entry] // published; never modified

	mu     sync.Mutex
	dirty  map[string]*entry // if non-nil, the live entries, and read lags
	misses int               // lookups and writes since read was published
}

func newTable() *table {
	t := &table{}
	t.read.Store(&map[string]*entry{})
	return t
}

// load returns the published entry for key, possibly dead, or nil.
func (t *table) load(key string) *entry {
	return (*t.read.Load())[key]
}

// get returns the live entry for key, or nil.
func (t *table) get(key string) *entry {
	if e := t.load(key); e != nil && !e.dead.Load() {
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.live()[key]; e != nil && !e.dead.Load() {
		return e
	}
	return nil
}

// loadOrCreate returns the live entry for key, creating it if there is
// none, and reports whether it did.
func (t *table) loadOrCreate(key string) (e *entry, created bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.missed()
	if e := t.live()[key]; e != nil && !e.dead.Load() {
		return e, false
	}
	e = newEntry(key)
	t.writable()[key] = e
	return e, true
}

// delete removes key if it still maps to e.
func (t *table) delete(key string, e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.live()[key] != e {
		return
	}
	delete(t.writable(), key)
	t.missed() // so that read, which still holds e, is replaced in time
}

// len returns the number of live entries.
func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live())
}

// entries returns the live entries.
func (t *table) entries() []*entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.live()
	es := make([]*entry, 0, len(m))
	for _, e := range m {
		es = append(es, e)
	}
	return es
}

// live returns the map of live entries. t.mu must be held.
func (t *table) live() map[string]*entry {
	if t.dirty != nil {
		return t.dirty
	}
	return *t.read.Load()
}

// writable returns dirty, copying it from read first if needed. t.mu must
// be held.
func (t *table) writable() map[string]*entry {
	if t.dirty == nil {
		t.dirty = maps.Clone(*t.read.Load())
	}
	return t.dirty
}

// missed counts a lookup or write that read could not serve, and publishes
// dirty once they cost as much as copying it will. t.mu must be held.
func (t *table) missed() {
	t.misses++
	if t.dirty == nil || t.misses < len(t.dirty) {
		return
	}
	d := t.dirty
	t.read.Store(&d)
	t.dirty, t.misses = nil, 0
}
