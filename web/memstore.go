package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryTokenStore is a [TokenStore] in the process's memory: the default.
// It forgets a session when the session expires. Its sessions, leases and
// single-use records belong to one process: a fleet of replicas needs a
// shared store (package
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore]'s SessionStore).
type MemoryTokenStore struct {
	mu     sync.Mutex
	m      map[string]StoredTokens
	refs   map[string]map[string]struct{} // ref → session IDs
	leases map[string]memLease
	once   map[string]time.Time // key → until
	Now    func() time.Time     // zero: time.Now
	writes int
}

type memLease struct {
	owner *byte // identity of the holder: a fresh allocation per lease
	until time.Time
}

// NewMemoryTokenStore returns an empty MemoryTokenStore.
func NewMemoryTokenStore() *MemoryTokenStore { return &MemoryTokenStore{} }

func (m *MemoryTokenStore) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// init makes the maps; m.mu is held.
func (m *MemoryTokenStore) init() {
	if m.m == nil {
		m.m = map[string]StoredTokens{}
		m.refs = map[string]map[string]struct{}{}
		m.leases = map[string]memLease{}
		m.once = map[string]time.Time{}
	}
}

// Save implements [TokenStore]. Every 1000th write drops expired sessions
// and single-use records.
func (m *MemoryTokenStore) Save(_ context.Context, id string, t *StoredTokens) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.drop(id)
	m.put(id, t)
	return nil
}

// Replace implements [TokenStore].
func (m *MemoryTokenStore) Replace(_ context.Context, id string, t *StoredTokens) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if _, ok := m.live(id); !ok {
		return fmt.Errorf("web: replace: %w", ErrNoTokens)
	}
	m.drop(id)
	m.put(id, t)
	return nil
}

// put stores t under id and files it under its refs; m.mu is held.
func (m *MemoryTokenStore) put(id string, t *StoredTokens) {
	st := *t
	st.Refs = slices.Clone(t.Refs)
	m.m[id] = st
	for _, ref := range st.Refs {
		set := m.refs[ref]
		if set == nil {
			set = map[string]struct{}{}
			m.refs[ref] = set
		}
		set[id] = struct{}{}
	}
	if m.writes++; m.writes%1000 == 0 {
		m.sweep()
	}
}

// live returns id's state unless it is missing or expired (then dropped);
// m.mu is held.
func (m *MemoryTokenStore) live(id string) (StoredTokens, bool) {
	t, ok := m.m[id]
	if ok && !t.Expires.IsZero() && !m.now().Before(t.Expires) {
		m.drop(id)
		ok = false
	}
	return t, ok
}

// drop removes id and its index entries; m.mu is held.
func (m *MemoryTokenStore) drop(id string) {
	t, ok := m.m[id]
	if !ok {
		return
	}
	delete(m.m, id)
	for _, ref := range t.Refs {
		if set := m.refs[ref]; set != nil {
			delete(set, id)
			if len(set) == 0 {
				delete(m.refs, ref)
			}
		}
	}
}

// sweep drops expired sessions, leases and single-use records; m.mu is held.
func (m *MemoryTokenStore) sweep() {
	now := m.now()
	for id, t := range m.m {
		if !t.Expires.IsZero() && !now.Before(t.Expires) {
			m.drop(id)
		}
	}
	for k, l := range m.leases {
		if !time.Now().Before(l.until) {
			delete(m.leases, k)
		}
	}
	for k, until := range m.once {
		if !now.Before(until) {
			delete(m.once, k)
		}
	}
}

// Load implements [TokenStore].
func (m *MemoryTokenStore) Load(_ context.Context, id string) (*StoredTokens, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	t, ok := m.live(id)
	if !ok {
		return nil, ErrNoTokens
	}
	t.Refs = slices.Clone(t.Refs)
	return &t, nil
}

// Touch implements [TokenStore].
func (m *MemoryTokenStore) Touch(_ context.Context, id string, seen time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if t, ok := m.live(id); ok {
		t.Seen = seen
		m.m[id] = t
	}
	return nil
}

// Delete implements [TokenStore].
func (m *MemoryTokenStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.drop(id)
	return nil
}

// DeleteRef implements [TokenStore].
func (m *MemoryTokenStore) DeleteRef(_ context.Context, ref string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	n := 0
	for id := range m.refs[ref] {
		if _, ok := m.live(id); ok {
			n++
		}
		m.drop(id)
	}
	return n, nil
}

// Lease implements [TokenStore].
func (m *MemoryTokenStore) Lease(_ context.Context, id string, ttl time.Duration) (func(context.Context) error, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	now := time.Now() // a lease bounds a network wait: real time, whatever Now says
	if l, ok := m.leases[id]; ok && now.Before(l.until) {
		return nil, ErrLeaseHeld
	}
	owner := new(byte)
	m.leases[id] = memLease{owner: owner, until: now.Add(ttl)}
	return func(context.Context) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if l, ok := m.leases[id]; ok && l.owner == owner {
			delete(m.leases, id)
		}
		return nil
	}, nil
}

// Once implements [TokenStore].
func (m *MemoryTokenStore) Once(_ context.Context, key string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	now := m.now()
	if until, ok := m.once[key]; ok && now.Before(until) {
		return false, nil
	}
	m.once[key] = now.Add(ttl)
	if m.writes++; m.writes%1000 == 0 {
		m.sweep()
	}
	return true, nil
}

// ForgetOnce implements [OnceForgetter].
func (m *MemoryTokenStore) ForgetOnce(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.once, key)
	return nil
}

// Len returns how many sessions the store holds.
func (m *MemoryTokenStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
