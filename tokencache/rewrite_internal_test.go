package tokencache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
)

// refusingStore takes no write, and records whether each write's ctx could
// still run in the last leaseGuard before end.
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
	if d, ok := ctx.Deadline(); !ok || d.After(s.end.Add(-leaseGuard)) {
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
	end := time.Now().Add(leaseGuard + 400*time.Millisecond)
	store := &refusingStore{end: end}
	late := make(chan struct{})
	c := New(Config{Store: store, OnError: func(_ string, err error) {
		if errors.Is(err, errRewriteLate) {
			close(late)
		}
	}})
	defer c.Close()
	var released atomic.Bool
	l := &lease{release: func(context.Context) error { released.Store(true); return nil }, until: end}

	c.fills.Add(1)
	go c.rewrite(context.Background(), "k", "1", &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1"}, l)
	select {
	case <-late:
	case <-time.After(10 * time.Second):
		t.Fatal("the rewrite did not give up within 10 s")
	}
	c.fills.Wait()
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.GreaterOrEqual(t, store.attempts, 2, "written again while the lease lasts")
	assert.Zero(t, store.late, "no write may still run in the lease's last second")
	assert.False(t, released.Load(), "the lease is not given back while the Store holds the spent refresh token")
	assert.ErrorIs(t, errRewriteLate, ErrStoreUnavailable)
	assert.NotContains(t, errRewriteLate.Error(), "rt-1")
}
