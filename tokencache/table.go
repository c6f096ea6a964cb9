package tokencache

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/oauth2"
)

// table maps keys to entries: an open-addressing hash table with linear
// probing whose lookups take no lock. A slot holds what a keyed hit needs,
// its key and the token it serves, so that a hit reads one slot (one cache
// line) and not the entry: at 100,000 keys the entry was another cache miss,
// which made a hit cost twice a read of a plain Go map.
//
// Writes (under mu) change one slot at a time, deletes shift the following
// slots back (no tombstones), and the slot array is only rebuilt when it
// grows. No write copies the whole table in place; a Go map behind an atomic
// pointer, copied on write, stalled writers for milliseconds at 100,000 keys.
//
// Each slot is guarded by a sequence lock: a writer makes its sequence odd,
// writes, and makes it even again; a reader that saw it odd, or changed
// across its reads, falls back to a lookup under mu, which is exact. So
// does a reader that misses its key while a write moves slots.
type table struct {
	seed  uintptr               // of hash: random, secret
	slots atomic.Pointer[slots] // replaced only when it grows

	mu sync.Mutex // serializes writes, including the tokens slots serve
	n  int        // live entries
}

// slots is one slot array; its length is a power of two.
type slots struct {
	s    []slot
	mask uint64
}

// slot is 32 bytes, two to a cache line. Its key is kept as a pointer to the
// key's bytes, its length in meta: a string's header would take another
// word and could not be loaded atomically.
type slot struct {
	meta atomic.Uint64                // see the meta* constants
	key  atomic.Pointer[byte]         // the key's bytes
	tok  atomic.Pointer[oauth2.Token] // served by a keyed hit; nil unless e is fresh
	e    atomic.Pointer[entry]
}

// A slot's meta holds, from the lowest bit: whether the slot is full,
// whether a hit has used it (see [Cache.evictIfFull]), the key's length, the
// low bits of its hash (so that probing passes other keys without comparing
// them, and a delete or a growth finds a key's home slot without hashing it
// again), and the sequence.
const (
	metaFull  = 1 << 0
	metaUsed  = 1 << 1
	lenShift  = 2
	lenBits   = 16
	hashShift = lenShift + lenBits
	hashBits  = 23
	seqShift  = hashShift + hashBits
	seqUnit   = 1 << seqShift // odd: a write is under way
	fieldMask = seqUnit - 1
	matchMask = fieldMask&^metaUsed | seqUnit // what a hit compares: an odd sequence never matches
	hashMask  = 1<<hashBits - 1

	// maxKeyLen is the longest key the cache holds: 64 KiB, a thousand
	// times a key made by [Key].
	maxKeyLen = 1<<lenBits - 1
)

const (
	minSlots = 8
	// The table grows when more than 13/16 of its slots are used: linear
	// probing stays short up to there, and 100,000 keys fit 131,072 slots.
	loadNum, loadDen = 13, 16
)

func newTable() *table {
	t := &table{seed: uintptr(rand.Uint64())}
	t.slots.Store(newSlots(minSlots))
	return t
}

func newSlots(n int) *slots {
	return &slots{s: make([]slot, n), mask: uint64(n - 1)}
}

// hash is the hash of key Go maps compute, seeded by t: the runtime's
// memhash, AES-based where the CPU has AES (any amd64 or arm64 server),
// which resists collisions made up by whoever chooses keys as long as the
// seed stays secret. hash/maphash.String computes the same hash through two
// more calls, which cost a keyed hit 40 instructions out of 380.
func (t *table) hash(key string) uint64 {
	return uint64(memhash(unsafe.Pointer(unsafe.StringData(key)), t.seed, uintptr(len(key))))
}

// memhash is the runtime's, which keeps it for packages that link to it
// ("Do not remove or change the type signature", go.dev/issue/67401).
//
//go:linkname memhash runtime.memhash
//go:noescape
func memhash(p unsafe.Pointer, seed, n uintptr) uintptr

// fields returns the meta fields of a full slot holding key, of hash h.
func fields(key string, h uint64) uint64 {
	return metaFull | uint64(len(key))<<lenShift | (h&hashMask)<<hashShift
}

// rehash returns the hash of the key in full slot s, as far as a slot array
// of the given mask needs it: the bits its meta keeps, if they are enough.
// t.mu must be held.
func (t *table) rehash(s *slot, mask uint64) uint64 {
	if mask <= hashMask {
		return s.meta.Load() >> hashShift & hashMask
	}
	return t.hash(s.keyOf())
}

// hit returns the token key's slot serves (nil unless its entry is fresh)
// and the entry, possibly dead, marking the slot used. It returns nils when
// key has no slot or a write was under way: callers then look again under
// mu.
//
// Most keys sit in their home slot or the next one (84 % of them at
// 10,000 keys, 77 % at 100,000), but which of the two is a coin toss that
// a branch predictor loses about one hit in three, and each loss also
// throws away the next lookup's loads already under way. So hit loads both
// metas (the next slot shares the home slot's cache line when home is even,
// else it is in the adjacent line), picks the slot by arithmetic, and
// branches only on whether the picked slot holds key, which it mostly
// does. Only that slot's sequence is checked, and that is enough: a slot
// read whole, holding key and a token, served that token for key when it
// was read, wherever key's home is (a delete copies an entry back before it
// empties its old slot, under t.mu, where no token changes). A key further
// on, or a collision of the meta's bits, takes probe's loop.
func (t *table) hit(key string) (*oauth2.Token, *entry) {
	if len(key) > maxKeyLen {
		return nil, nil
	}
	h := t.hash(key)
	ss := t.slots.Load()
	sl := ss.s
	if len(sl) == 0 {
		return nil, nil // never: the guard lets the compiler drop the bounds checks
	}
	mask := uint64(len(sl) - 1)
	i, j := h&mask, (h+1)&mask
	m, m1 := sl[i].meta.Load(), sl[j].meta.Load()
	want := fields(key, h)
	// next is 1 if the home slot does not match, else 0; then i and m
	// become those of the next slot. Arithmetic, not an if: the compiler
	// keeps a branch for a value a load's address depends on.
	d := m&matchMask ^ want
	next := (d | -d) >> 63
	i = (i ^ (i^j)&-next) & mask
	m = m ^ (m^m1)&-next
	if m&matchMask == want {
		s := &sl[i]
		p, tok, e := s.key.Load(), s.tok.Load(), s.e.Load()
		if s.meta.Load()|metaUsed != m|metaUsed {
			return nil, nil // written meanwhile
		}
		if p == unsafe.StringData(key) || unsafe.String(p, len(key)) == key {
			if m&metaUsed == 0 {
				s.meta.CompareAndSwap(m, m|metaUsed) // a failure is a write: no matter
			}
			return tok, e
		}
	}
	tok, e, _ := t.probeFrom(ss, key, h, true)
	return tok, e
}

// load returns the entry for key, possibly dead, or nil (possibly wrongly,
// while a write moves slots).
func (t *table) load(key string) *entry {
	_, _, e, _ := t.probe(key, false)
	return e
}

// probe finds key in the slot array and returns its hash and the token and
// entry of its slot, marking the slot used if mark is set. ok is false when
// no slot holds key (a key longer than maxKeyLen never has one), or when a
// write got in the way (which under t.mu cannot happen).
func (t *table) probe(key string, mark bool) (h uint64, tok *oauth2.Token, e *entry, ok bool) {
	if len(key) > maxKeyLen {
		return 0, nil, nil, false
	}
	h = t.hash(key)
	tok, e, ok = t.probeFrom(t.slots.Load(), key, h, mark)
	return h, tok, e, ok
}

// probeFrom is probe in ss, for key of hash h.
func (t *table) probeFrom(ss *slots, key string, h uint64, mark bool) (tok *oauth2.Token, e *entry, ok bool) {
	want := fields(key, h)
	for i, n := h&ss.mask, uint64(0); n <= ss.mask; i, n = (i+1)&ss.mask, n+1 {
		s := &ss.s[i]
		m := s.meta.Load()
		if m&(seqUnit|metaFull) != metaFull {
			break // empty, or being written
		}
		if m&fieldMask&^metaUsed != want {
			continue
		}
		p, tok, e := s.key.Load(), s.tok.Load(), s.e.Load()
		if s.meta.Load()|metaUsed != m|metaUsed {
			break // written meanwhile
		}
		// p, the length, tok and e were read together, and the bytes of a
		// string never change: comparing them now is safe.
		if p != unsafe.StringData(key) && unsafe.String(p, len(key)) != key {
			continue
		}
		if mark && m&metaUsed == 0 {
			s.meta.CompareAndSwap(m, m|metaUsed) // a failure is a write: no matter
		}
		return tok, e, true
	}
	return nil, nil, false
}

// get returns the live entry for key, or nil.
func (t *table) get(key string) *entry {
	if e := t.load(key); e != nil && !e.dead() {
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, _, e, ok := t.probe(key, false); ok && !e.dead() {
		return e
	}
	return nil
}

// loadOrCreate returns the live entry for key, creating it if there is
// none, and reports whether it did. key is at most maxKeyLen long: the
// cache refuses longer ones before.
func (t *table) loadOrCreate(key string) (e *entry, created bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, _, e, ok := t.probe(key, false)
	ss := t.slots.Load()
	if ok {
		if !e.dead() {
			return e, false
		}
		t.remove(ss, e) // a dropped entry not yet removed
	}
	if (t.n+1)*loadDen > len(ss.s)*loadNum {
		ss = t.grow(ss)
	}
	e = newEntry()
	t.put(ss, h, key, nil, e)
	t.n++
	return e, true
}

// put stores key, e and the token it serves in the first free slot from
// h's. t.mu must be held.
func (t *table) put(ss *slots, h uint64, key string, tok *oauth2.Token, e *entry) {
	i := h & ss.mask
	for ss.s[i].meta.Load()&metaFull != 0 {
		i = (i + 1) & ss.mask
	}
	ss.s[i].write(fields(key, h), unsafe.StringData(key), tok, e)
	e.tidx.Store(int32(i))
}

// write replaces the slot's content, under its sequence lock. t.mu must be
// held.
func (s *slot) write(f uint64, key *byte, tok *oauth2.Token, e *entry) {
	m := s.meta.Add(seqUnit) // odd: readers fall back
	s.key.Store(key)
	s.tok.Store(tok)
	s.e.Store(e)
	s.meta.Store((m+seqUnit)&^fieldMask | f)
}

// keyOf returns the key of full slot s. t.mu must be held.
func (s *slot) keyOf() string {
	return unsafe.String(s.key.Load(), int(s.meta.Load()>>lenShift&maxKeyLen))
}

// grow publishes a slot array twice as large, holding the same entries, and
// then retires the old one: its slots stay locked, so that a reader still on
// it falls back to mu rather than read a token the new array no longer
// serves. t.mu must be held.
func (t *table) grow(old *slots) *slots {
	ss := newSlots(2 * len(old.s))
	for i := range old.s {
		s := &old.s[i]
		if s.meta.Load()&metaFull != 0 {
			key := s.keyOf()
			t.put(ss, t.rehash(s, ss.mask), key, s.tok.Load(), s.e.Load())
		}
	}
	t.slots.Store(ss)
	for i := range old.s {
		old.s[i].meta.Add(seqUnit)
	}
	return ss
}

// publish makes e's slot serve the token a keyed hit may hand out: its
// token while it is fresh, else none. e.mu must be held.
//
// If the slot already serves it, publish takes no lock: only publish
// changes what a slot serves (moves and growth copy it), and publishers of
// one entry are serialized by its mu, so a slot seen holding e and tok keeps
// tok wherever e moves.
func (t *table) publish(e *entry) {
	tok := e.served()
	if i := e.tidx.Load(); i >= 0 {
		if ss := t.slots.Load(); int(i) < len(ss.s) && ss.s[i].e.Load() == e && ss.s[i].tok.Load() == tok {
			return
		}
	}
	t.mu.Lock()
	if i := e.tidx.Load(); i >= 0 {
		if s := &t.slots.Load().s[i]; s.tok.Load() != tok {
			s.tok.Store(tok) // the key does not change: no sequence needed
		}
	}
	t.mu.Unlock()
}

// delete removes e from the table, if it is there.
func (t *table) delete(e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.remove(t.slots.Load(), e)
}

// clearUsed clears the used mark of e's slot and reports whether it was
// set.
func (t *table) clearUsed(e *entry) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := e.tidx.Load()
	if i < 0 {
		return false
	}
	// Only hits write meta outside t.mu, and only to set this bit.
	return t.slots.Load().s[i].meta.And(^uint64(metaUsed))&metaUsed != 0
}

// remove empties e's slot, if e is in ss, and moves back the entries after
// it that would no longer be found past the gap. t.mu must be held.
func (t *table) remove(ss *slots, e *entry) {
	ti := e.tidx.Load()
	if ti < 0 {
		return
	}
	i := uint64(ti)
	e.tidx.Store(-1)
	t.n--
	for j := (i + 1) & ss.mask; ; j = (j + 1) & ss.mask {
		s := &ss.s[j]
		m := s.meta.Load()
		if m&metaFull == 0 {
			break
		}
		home := t.rehash(s, ss.mask) & ss.mask
		// The entry at j may move to the gap at i if its home is not in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			next := s.e.Load()
			ss.s[i].write(m&fieldMask, s.key.Load(), s.tok.Load(), next)
			next.tidx.Store(int32(i))
			i = j
		}
	}
	ss.s[i].write(0, nil, nil, nil)
}

// clear removes every entry, shrinks the table back to its first size and
// returns the entries it held. The old slot array is retired as by grow.
func (t *table) clear() []*entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.slots.Load()
	es := make([]*entry, 0, t.n)
	t.slots.Store(newSlots(minSlots))
	for i := range old.s {
		s := &old.s[i]
		s.meta.Add(seqUnit) // odd for good: readers fall back to mu
		if e := s.e.Load(); e != nil {
			e.tidx.Store(-1)
			es = append(es, e)
		}
	}
	t.n = 0
	return es
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
