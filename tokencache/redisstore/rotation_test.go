package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// rotatingServer rotates the refresh token on every refresh (UniSignIn,
// Justimmo): only the newest one is accepted; sending another is a reuse.
type rotatingServer struct {
	clock  *tokencachetest.Clock
	mu     sync.Mutex
	valid  string
	issued int
	reuses atomic.Int64
	renews atomic.Int64
}

var errReused = errors.New("invalid_grant: refresh token reused")

func (s *rotatingServer) renew(_ context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
	s.renews.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev.RefreshToken != s.valid {
		s.reuses.Add(1)
		return nil, errReused
	}
	s.issued++
	s.valid = fmt.Sprint("rt-", s.issued)
	return &oauth2.Token{AccessToken: fmt.Sprint("at-", s.issued), RefreshToken: s.valid, Expiry: s.clock.Now().Add(life)}, nil
}

// TestRotatedRefreshTokenSharedByReplicas: two replicas keeping one user's
// login alive over five lifetimes, refreshing ahead and after expiry, never
// send a rotated-away refresh token and renew once per lifetime between
// them: each renews from the fleet's newest refresh token (kept in Redis
// past its access token), and writes are compare-and-swap.
func TestRotatedRefreshTokenSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
	clock := tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	server := &rotatingServer{clock: clock, valid: "rt-0"}
	seed := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: clock.Now().Add(life)}
	key := tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", Flow: "refresh_token", User: "u1"})
	pre := redistest.Prefix()
	var sources []oauth2.TokenSource
	for range 2 {
		s := newStore(t, srv, pre, redisstore.Config{})
		c := tokencache.New(tokencache.Config{Store: s, Clock: clock})
		t.Cleanup(func() { _ = c.Close() })
		sources = append(sources, c.RefreshingSource(key, seed, server.renew))
	}
	ask := func() {
		var wg sync.WaitGroup
		for _, src := range sources {
			for range 20 {
				wg.Go(func() {
					tok, err := src.Token()
					if err != nil || !tok.Expiry.After(clock.Now()) {
						t.Errorf("no valid token: %v", err)
					}
				})
			}
		}
		wg.Wait()
	}
	settled := func() bool {
		for _, src := range sources {
			tok, err := src.Token()
			if err != nil || tok.Expiry.Sub(clock.Now()) < life-time.Second {
				return false
			}
		}
		return true
	}
	ask()
	for i, step := range []time.Duration{
		life - tokencache.DefaultExpiryMargin - 5*time.Second, // stale: refreshed ahead
		life - tokencache.DefaultExpiryMargin - 5*time.Second,
		life + time.Minute, // expired: dropped from memory, renewed from Redis's refresh token
		life + time.Minute,
		life - tokencache.DefaultExpiryMargin - 5*time.Second,
	} {
		before := server.renews.Load()
		clock.Advance(step)
		// Replica 0 refreshes ahead; after expiry replica 1, whose own
		// newest refresh token (the seed) was rotated away long ago, goes
		// first.
		first := sources[0]
		if step > life {
			first = sources[1]
		}
		_, err := first.Token()
		require.NoError(t, err)
		require.Eventually(t, func() bool { return server.renews.Load() > before }, 5*time.Second, time.Millisecond)
		ask()
		require.Eventually(t, settled, 5*time.Second, 5*time.Millisecond, "lifetime %d: both replicas hold the new token", i+1)
		assert.Equal(t, int64(1), server.renews.Load()-before, "lifetime %d: one renewal for both replicas", i+1)
	}
	assert.Zero(t, server.reuses.Load(), "no rotated-away refresh token sent")
}
