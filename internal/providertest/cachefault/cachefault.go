// Package cachefault is for tests: the check that a vendor's cached token
// outlives every fault of [providertest.FaultCases]. It is apart from
// providertest because it needs tokencache, whose own tests use
// providertest.
package cachefault

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// Source is a way a Provider serves a cached token.
type Source struct {
	Name  string
	Token func() (*oauth2.Token, error)
	Seed  string // the first token's access token where the test seeded it; zero: not checked
}

// Start starts a fake on now and a Provider with Config.Cache, Config.Now
// and Config.Timeout set to cache, now and timeout; it closes the fake on
// t.Cleanup. It returns the fake, the ways the Provider serves one cached
// token (the first gets the token and later the stale one), and how long
// after [providertest.FaultNow] that token is stale, in the refresh-ahead
// window, but still valid.
type Start[S providertest.FaultServer] func(t *testing.T, now func() time.Time, cache *tokencache.Cache, timeout time.Duration) (S, []Source, time.Duration)

// KeepServingCachedToken checks that while endpoint fails in every way
// [providertest.FaultCases] knows, a cached token that is stale but still
// valid keeps being served by every source start returns, and the
// background refresh did reach the failing endpoint.
func KeepServingCachedToken[S providertest.FaultServer](t *testing.T, endpoint string, start Start[S]) {
	for _, tc := range providertest.FaultCases() {
		if tc.Want.Usable() {
			continue // upstream recovers, or answers a usable token
		}
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			clock := tokencachetest.NewClock(providertest.FaultNow)
			events := make(chan tokencache.RefreshEvent, 16)
			cache := tokencache.New(tokencache.Config{
				Clock:        clock,
				FetchTimeout: 5 * time.Second,
				OnRefresh:    func(ev tokencache.RefreshEvent) { events <- ev },
			})
			defer cache.Close()
			srv, sources, stale := start(t, clock.Now, cache, 150*time.Millisecond)

			first, err := sources[0].Token()
			require.NoError(t, err)
			if sources[0].Seed != "" {
				require.Equal(t, sources[0].Seed, first.AccessToken)
			}
			clock.Advance(stale)
			for _, f := range tc.Faults {
				f.Times = 0 // the upstream keeps failing
				srv.InjectFault(endpoint, f)
			}
			before := srv.Requests(endpoint)

			tok, err := sources[0].Token() // stale: served, and starts the refresh
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, tok.AccessToken)
			waitFailedRefresh(t, events)
			assert.Greater(t, srv.Requests(endpoint), before, "the refresh reached the endpoint")

			for _, src := range sources {
				tok, err = src.Token()
				require.NoError(t, err)
				assert.Equal(t, first.AccessToken, tok.AccessToken, "%s serves the valid token", src.Name)
			}
			assert.True(t, tok.Expiry.After(clock.Now()))
		})
	}
}

// waitFailedRefresh waits for a refresh ahead of expiry that failed,
// passing over the events of fetches that succeeded (a first token).
func waitFailedRefresh(t *testing.T, events <-chan tokencache.RefreshEvent) {
	t.Helper()
	for {
		select {
		case ev := <-events:
			if ev.Err != nil {
				assert.True(t, ev.Ahead, "a refresh ahead of expiry")
				return
			}
			require.False(t, ev.Ahead, "a refresh ahead of expiry succeeded against a failing endpoint")
		case <-time.After(5 * time.Second):
			t.Fatal("no failed refresh")
		}
	}
}
