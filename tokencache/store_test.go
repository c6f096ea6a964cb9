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
	// failSets is how many of the next CompareAndSwaps fail.
	failSets int
	// leaseEnd is when the last lease given runs out, in real time; late
	// counts the CompareAndSwaps whose ctx could still be running in the
	// last second of a lease or after it; released, if set, hears of each
	// lease given back.
	leaseEnd time.Time
	late     int
	released chan struct{}
	// unreadable is a key whose entry exists but cannot be read (sealed
	// with a key this replica lacks, say), as a Store reports one: a Rev
	// and an error.
	unreadable string
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
	if key == s.unreadable {
		return tokencache.Stored{Rev: "sealed-with-another-key"}, errors.New("stored entry cannot be read")
	}
	if u, ok := s.until[key]; ok && !s.clock.Now().Before(u) {
		return tokencache.Stored{}, nil
	}
	return tokencache.Stored{Token: s.toks[key], Rev: s.revs[key]}, nil
}

func (s *mapStore) CompareAndSwap(ctx context.Context, key, rev string, tok *oauth2.Token, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := ctx.Deadline(); !s.leaseEnd.IsZero() && (!ok || d.After(s.leaseEnd.Add(-time.Second))) {
		s.late++
	}
	if s.failSet != nil {
		return false, s.failSet
	}
	if s.failSets > 0 {
		s.failSets--
		return false, errors.New("store set failed")
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
func (s *mapStore) Lease(_ context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	end := time.Now().Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leases[key] != 0 {
		return nil, tokencache.ErrLeaseHeld
	}
	s.lastRev++
	owner := s.lastRev
	s.leases[key], s.leaseEnd = owner, end
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.leases[key] == owner {
			delete(s.leases, key)
			if s.released != nil {
				s.released <- struct{}{}
			}
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

// TestFailedRenewalWriteIsRetriedUnderTheLease: a renewal whose token (a
// rotated refresh token) the Store refuses to take keeps the key's lease,
// so that no other replica renews from the spent refresh token the Store
// still holds, and writes it again until the Store takes it, within the
// lease; then it gives the lease back, and another replica adopts the new
// token. The write used to be given up at once: once the lease ran out,
// the next replica sent the spent refresh token.
func TestFailedRenewalWriteIsRetriedUnderTheLease(t *testing.T) {
	clock := tokencachetest.NewClock(t0)
	store := newMapStore(clock)
	store.released = make(chan struct{}, 4)
	const key = "user-key"
	cfg := tokencache.Config{Store: store, Clock: clock, FetchTimeout: 5 * time.Second}
	a, b := tokencache.New(cfg), tokencache.New(cfg)
	defer a.Close()
	defer b.Close()
	var mu sync.Mutex
	var sent []string
	renew := func(_ context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, old.RefreshToken)
		return &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: clock.Now().Add(time.Hour)}, nil
	}
	login := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: t0.Add(-time.Minute)}

	store.mu.Lock()
	store.failSets = 2 // the renewal's own write, and the first retry
	store.mu.Unlock()
	tok, err := a.RefreshingSource(key, login, renew).Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
	select {
	case <-store.released:
	case <-time.After(10 * time.Second):
		t.Fatal("the lease was not given back within 10 s")
	}
	store.mu.Lock()
	failsLeft, late := store.failSets, store.late
	store.mu.Unlock()
	assert.Zero(t, failsLeft, "both failed writes were tried")
	assert.Zero(t, late, "no write may still land in the last second of the lease or after it")
	require.NotNil(t, store.token(key))
	assert.Equal(t, "rt-1", store.token(key).RefreshToken, "the rotated refresh token reached the Store")

	// Replica B, with the same login, adopts the fleet's token.
	tok, err = b.RefreshingSource(key, login, renew).Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"rt-0"}, sent, "the spent refresh token is not sent again")
}

// TestStoreRenewalNeedsLease: with a Store, a RefreshingSource sends its
// refresh token only while holding the key's lease. When the Store fails,
// or another replica holds the lease past the fill's time, nothing is sent
// and the error says why (retryably); a fresh seed is still handed over, and
// client-credentials keys still fetch on their own.
func TestStoreRenewalNeedsLease(t *testing.T) {
	errStore := errors.New("store down")
	for _, tc := range []struct {
		name  string
		setup func(s *mapStore, key string)
		want  error
	}{
		{"store fails", func(s *mapStore, _ string) { s.failGet = errStore }, tokencache.ErrStoreUnavailable},
		{"lease held by another", func(s *mapStore, key string) {
			_, err := s.Lease(context.Background(), key, time.Minute)
			require.NoError(t, err)
		}, tokencache.ErrRefreshInFlight},
		// Another replica may have rotated the refresh token into it, sealed
		// with a key this one does not have yet: renewing from this one's
		// own older token could send a used one.
		{"entry unreadable", func(s *mapStore, key string) { s.unreadable = key }, tokencache.ErrStoreUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := tokencachetest.NewClock(t0)
			store := newMapStore(clock)
			const key = "user-key"
			tc.setup(store, key)
			cache := tokencache.New(tokencache.Config{Store: store, Clock: clock, StoreWait: time.Millisecond, FetchTimeout: 200 * time.Millisecond})
			defer cache.Close()
			var renews int
			renew := func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
				renews++
				return &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: clock.Now().Add(time.Hour)}, nil
			}

			fresh := cache.RefreshingSource(key+"-fresh", &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: t0.Add(time.Hour)}, renew)
			tok, err := fresh.Token()
			require.NoError(t, err, "a fresh seed needs no request")
			assert.Equal(t, "at-0", tok.AccessToken)

			expired := cache.RefreshingSource(key, &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: t0.Add(-time.Minute)}, renew)
			_, err = expired.Token()
			require.ErrorIs(t, err, tc.want)
			assert.NotContains(t, err.Error(), "rt-0")
			assert.Zero(t, renews, "no refresh token sent without the lease")

			tok, err = cache.Token(context.Background(), key+"-cc", func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "cc", Expiry: clock.Now().Add(time.Hour)}, nil
			})
			require.NoError(t, err, "client credentials fetch on their own")
			assert.Equal(t, "cc", tok.AccessToken)
		})
	}
}
