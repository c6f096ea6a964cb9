package tokencache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// mapStore is a Store in memory, standing in for Redis shared by replicas.
type mapStore struct {
	clock *tokencachetest.Clock

	mu      sync.Mutex
	toks    map[string]*oauth2.Token
	revs    map[string]string
	ttls    map[string]time.Duration
	until   map[string]time.Time
	leases  map[string]int
	lastRev int
	gets    int
	failGet error
	failSet error
	failDel error
}

func newMapStore(clock *tokencachetest.Clock) *mapStore {
	return &mapStore{clock: clock, toks: map[string]*oauth2.Token{}, revs: map[string]string{}, ttls: map[string]time.Duration{}, until: map[string]time.Time{}, leases: map[string]int{}}
}

func (s *mapStore) Get(_ context.Context, key string) (tokencache.Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	if s.failGet != nil {
		return tokencache.Stored{}, s.failGet
	}
	if u, ok := s.until[key]; ok && !s.clock.Now().Before(u) {
		return tokencache.Stored{}, nil
	}
	return tokencache.Stored{Token: s.toks[key], Rev: s.revs[key]}, nil
}

func (s *mapStore) CompareAndSwap(_ context.Context, key, rev string, tok *oauth2.Token, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSet != nil {
		return false, s.failSet
	}
	cur := s.revs[key]
	if u, ok := s.until[key]; ok && !s.clock.Now().Before(u) {
		cur = ""
	}
	if cur != rev {
		return false, nil
	}
	s.lastRev++
	s.toks[key], s.ttls[key], s.revs[key] = tok, ttl, fmt.Sprint(s.lastRev)
	delete(s.until, key)
	if ttl > 0 {
		s.until[key] = s.clock.Now().Add(ttl)
	}
	return true, nil
}

func (s *mapStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failDel != nil {
		return s.failDel
	}
	delete(s.toks, key)
	delete(s.revs, key)
	return nil
}

// Lease holds leases until released (no expiry: the tests release them).
func (s *mapStore) Lease(_ context.Context, key string, _ time.Duration) (func(context.Context) error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leases[key] != 0 {
		return nil, tokencache.ErrLeaseHeld
	}
	s.lastRev++
	owner := s.lastRev
	s.leases[key] = owner
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.leases[key] == owner {
			delete(s.leases, key)
		}
		return nil
	}, nil
}

func (s *mapStore) token(key string) *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.toks[key]
}

// replicas returns two caches (replicas of a service) on one clock sharing
// a mapStore.
func replicas(t *testing.T) (a, b *harness, store *mapStore) {
	clock := tokencachetest.NewClock(t0)
	store = newMapStore(clock)
	a = newHarnessOn(t, clock, tokencache.Config{Store: store})
	b = newHarnessOn(t, clock, tokencache.Config{Store: store})
	return a, b, store
}

// TestStoreSharedByReplicas: one fetch per key across replicas, while the
// stored token is fresh.
func TestStoreSharedByReplicas(t *testing.T) {
	a, b, store := replicas(t)
	tokA := a.filled(t)
	require.NotNil(t, store.token(testingKey))
	assert.Equal(t, life, store.ttls[testingKey], "stored until its expiry")

	tokB := b.token(t)
	ev := b.waitEvent(t)
	assert.True(t, ev.FromStore)
	assert.Equal(t, tokA.AccessToken, tokB.AccessToken)
	assert.Zero(t, b.up.calls.Load(), "replica B did not fetch")

	// A refreshes ahead; B, stale a little later, adopts A's new token.
	a.clock.Advance(toStale)
	a.token(t)
	require.NoError(t, a.waitEvent(t).Err)
	assert.Equal(t, int64(2), a.up.calls.Load())
	b.token(t)
	ev = b.waitEvent(t)
	assert.True(t, ev.Ahead)
	assert.True(t, ev.FromStore)
	assert.Zero(t, b.up.calls.Load())
	assert.Equal(t, "at-2", b.token(t).AccessToken)
}

// TestStoreStaleTokenIgnored: a stored token that is no longer fresh is not
// adopted: the cache fetches and overwrites it.
func TestStoreStaleTokenIgnored(t *testing.T) {
	a, b, store := replicas(t)
	a.filled(t)
	a.clock.Advance(toStale)
	assert.Equal(t, "at-1", b.token(t).AccessToken, "B fetched its own")
	assert.False(t, b.waitEvent(t).FromStore)
	assert.Equal(t, int64(1), b.up.calls.Load())
	assert.Equal(t, "at-1", store.token(testingKey).AccessToken)
	assert.Same(t, b.token(t), store.token(testingKey), "B's token stored")
}

// TestStoreErrors: a failing Store is reported and otherwise ignored.
func TestStoreErrors(t *testing.T) {
	errStore := errors.New("store down")
	clock := tokencachetest.NewClock(t0)
	store := newMapStore(clock)
	store.failGet, store.failSet, store.failDel = errStore, errStore, errStore
	h := newHarnessOn(t, clock, tokencache.Config{Store: store})

	assert.Equal(t, "at-1", h.token(t).AccessToken)
	h.waitEvent(t)
	errs := h.errors()
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[0], errStore)
	assert.ErrorContains(t, errs[0], "tokencache: store get")
	assert.ErrorContains(t, errs[1], "tokencache: store set")

	err := h.cache.Invalidate(context.Background(), testingKey)
	require.ErrorIs(t, err, errStore)
	assert.ErrorContains(t, err, "tokencache: store delete")
	assert.Equal(t, "at-2", h.token(t).AccessToken, "invalidated in memory even so")
}

// TestStoreInvalidate deletes the key from the Store too, so no replica
// adopts the rejected token.
func TestStoreInvalidate(t *testing.T) {
	a, b, store := replicas(t)
	a.filled(t)
	require.NoError(t, a.cache.Invalidate(context.Background(), testingKey))
	assert.Nil(t, store.token(testingKey))
	assert.Equal(t, "at-1", b.token(t).AccessToken)
	assert.Equal(t, int64(1), b.up.calls.Load(), "B fetched")
}
