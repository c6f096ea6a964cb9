package tokencache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/leased"
	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
)

// refusingStore takes no write, and records whether each write's ctx could
// still run in the last leased.Guard before end.
type refusingStore struct {
	end time.Time

	mu       sync.Mutex
	attempts int
	late     int
}

var errRefused = errors.New("store set failed")

func (s *refusingStore) Get(context.Context, string) (Stored, error) {
	return Stored{}, errRefused
}

func (s *refusingStore) CompareAndSwap(ctx context.Context, _, _ string, _ *oauth2.Token, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if d, ok := ctx.Deadline(); !ok || d.After(s.end.Add(-leased.Guard)) {
		s.late++
	}
	return false, errRefused
}

func (s *refusingStore) Delete(context.Context, string) error { return nil }

func (s *refusingStore) Lease(context.Context, string, time.Duration) (func(context.Context) error, error) {
	return nil, errRefused
}

// TestRewriteGivesUpBeforeTheLeaseRunsOut: a renewal's token the Store
// never takes is written again only while the lease lasts: the last
// attempt ends a second before the lease does, the lease is not given back
// (the Store still holds the spent refresh token: the others must wait it
// out), and OnError hears that the fleet renews from the older token.
func TestRewriteGivesUpBeforeTheLeaseRunsOut(t *testing.T) {
	end := time.Now().Add(leased.Guard + 2*time.Second)
	store := &refusingStore{end: end}
	late := make(chan error, 1)
	c := New(Config{Store: store, OnError: func(_ string, err error) {
		if errors.Is(err, errRewriteLate) {
			late <- err
		}
	}})
	defer c.Close()
	var released atomic.Bool
	l := &lease{release: func(context.Context) error { released.Store(true); return nil }, until: end}

	c.startRewrite(context.Background(), "k", "1", &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1"}, l)
	var err error
	select {
	case err = <-late:
	case <-time.After(10 * time.Second):
		t.Fatal("the rewrite did not give up within 10 s")
	}
	c.fills.Wait()
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.GreaterOrEqual(t, store.attempts, 2, "written again while the lease lasts")
	assert.Zero(t, store.late, "no write may still run in the lease's last second")
	assert.False(t, released.Load(), "the lease is not given back while the Store holds the spent refresh token")
	assert.ErrorIs(t, err, ErrStoreUnavailable)
	assert.NotContains(t, err.Error(), "rt-1")
	assert.NotContains(t, err.Error(), "at-1")
}

// TestCloseEndsARewrite: Close does not wait out a rewrite the Store does
// not take (it would wait up to FetchTimeout): it ends it, and the lease
// runs out.
func TestCloseEndsARewrite(t *testing.T) {
	store := &refusingStore{end: time.Now().Add(time.Hour)}
	c := New(Config{Store: store, FetchTimeout: time.Hour})
	var released atomic.Bool
	l := &lease{release: func(context.Context) error { released.Store(true); return nil }, until: store.end}
	c.startRewrite(context.Background(), "k", "1", &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1"}, l)
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the rewrite")
	}
	assert.False(t, released.Load(), "the lease is not given back while the Store holds the spent refresh token")
	c.startRewrite(context.Background(), "k", "1", &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1"}, l)
	c.fills.Wait() // none started after Close
}

// scriptStore holds one entry; its next getFails Gets fail, and it records
// what held the entry when a lease was given back.
type scriptStore struct {
	mu         sync.Mutex
	tok        *oauth2.Token
	rev        int
	getFails   int
	ttls       []time.Duration
	atGiveBack *oauth2.Token
}

func (s *scriptStore) Get(context.Context, string) (Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.getFails > 0 {
		s.getFails--
		return Stored{}, errRefused
	}
	return Stored{Token: s.tok, Rev: fmt.Sprint(s.rev)}, nil
}

func (s *scriptStore) CompareAndSwap(_ context.Context, _, rev string, tok *oauth2.Token, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev != fmt.Sprint(s.rev) {
		return false, nil
	}
	s.tok, s.ttls = tok, append(s.ttls, ttl)
	s.rev++
	return true, nil
}

func (s *scriptStore) Delete(context.Context, string) error { return nil }

func (s *scriptStore) Lease(context.Context, string, time.Duration) (func(context.Context) error, error) {
	return nil, errRefused
}

// lease returns a lease that records what s holds when it is given back,
// and a channel closed then.
func (s *scriptStore) lease() (*lease, chan struct{}) {
	given := make(chan struct{})
	return &lease{until: time.Now().Add(time.Hour), release: func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.atGiveBack = s.tok
		close(given)
		return nil
	}}, given
}

// rewriteUntilGivenBack rewrites renewed, read at revision 1, into store
// and waits for the lease to be given back.
func rewriteUntilGivenBack(t *testing.T, store *scriptStore, renewed *oauth2.Token) {
	t.Helper()
	c := New(Config{Store: store})
	defer c.Close()
	l, given := store.lease()
	c.startRewrite(context.Background(), "k", "1", renewed, l)
	select {
	case <-given:
	case <-time.After(10 * time.Second):
		t.Fatal("the lease was not given back within 10 s")
	}
}

// TestRewriteGivesBackOnlyOnceTheStoreHoldsTheToken: the entry changed
// since the renewal read it (another replica handed over an older login
// without the lease), and reading it fails: the rewrite does not take that
// for a write that landed, but goes on until the Store holds its token
// over the older one, and only then gives the lease back.
func TestRewriteGivesBackOnlyOnceTheStoreHoldsTheToken(t *testing.T) {
	older := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(time.Minute)}
	renewed := &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour)}
	store := &scriptStore{tok: older, rev: 2, getFails: 2}
	rewriteUntilGivenBack(t, store, renewed)
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Same(t, renewed, store.atGiveBack, "the lease was given back while the Store held the older refresh token")
}

// TestRewriteWritesAnExpiredTokenWithItsRefreshToken: a renewal's access
// token that expired before the Store took it still carries the fleet's
// newest refresh token: it is written (with a token's shortest lifetime:
// the Store keeps a refresh token past it), not skipped as nothing worth
// sharing while the Store holds the spent one.
func TestRewriteWritesAnExpiredTokenWithItsRefreshToken(t *testing.T) {
	older := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Hour)}
	renewed := &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(-time.Second)}
	store := &scriptStore{tok: older, rev: 1}
	rewriteUntilGivenBack(t, store, renewed)
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Same(t, renewed, store.atGiveBack, "the lease was given back while the Store held the spent refresh token")
	assert.Equal(t, []time.Duration{time.Millisecond}, store.ttls)
}
