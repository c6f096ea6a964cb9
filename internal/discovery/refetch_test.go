package discovery

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// Tokens naming keys the issuer never published (anyone can send them to a
// back-channel logout endpoint) made go-oidc fetch the issuer's keys once
// each. The keys are now fetched again at most every refetchEvery after
// the first refetch; a key rotated in is found at the first refetch, or at
// the next one after the interval.
func TestKeysRefetchedAtMostEveryInterval(t *testing.T) {
	i := newIDP(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	v := NewVerifier("p", i.srv.URL, "client", newKeySetAt(i.srv.URL+"/jwks", hc, clock), time.Now)
	verify := func(key *fakeidp.Key) error {
		claims := map[string]any{"iss": i.srv.URL, "aud": "client", "sub": "s", "nonce": "n", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()}
		_, err := v.Verify(context.Background(), key.Sign(claims), "n")
		return err
	}

	require.NoError(t, verify(fakeidp.SharedKey()))
	assert.EqualValues(t, 1, i.jwks.Load(), "the first fetch")

	require.ErrorIs(t, verify(fakeidp.NewKey("forged-0")), oauthkit.ErrIDTokenSignature)
	assert.EqualValues(t, 2, i.jwks.Load(), "the first refetch is never held back (a rotation)")

	for n := range 20 {
		require.ErrorIs(t, verify(fakeidp.NewKey(fmt.Sprintf("forged-%d", n+1))), oauthkit.ErrIDTokenSignature)
	}
	assert.EqualValues(t, 2, i.jwks.Load(), "twenty unknown kids within the interval: no fetch")
	require.NoError(t, verify(fakeidp.SharedKey()), "the key set fetched last still verifies")

	advance(refetchEvery)
	require.ErrorIs(t, verify(fakeidp.NewKey("forged-late")), oauthkit.ErrIDTokenSignature)
	assert.EqualValues(t, 3, i.jwks.Load(), "fetched again once the interval has passed")
}
