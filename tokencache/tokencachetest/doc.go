// Package tokencachetest helps test code that uses
// [github.com/seed-e8f4a5f7/oauthkit/tokencache], like net/http/httptest
// does for net/http.
//
// # Fake clock
//
// [Clock] is a [tokencache.Clock] whose time moves only when a test calls
// [Clock.Advance]. Advance fires the timers that come due, in deadline order
// and in the calling goroutine, so that after it returns every entry of a
// Cache has moved to the phase (fresh, stale, expired) the new time implies.
// A simulated hour of traffic is a loop of Advance and Token calls, with no
// sleeps:
//
//	clock := tokencachetest.NewClock(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC))
//	cache := tokencache.New(tokencache.Config{Clock: clock})
//	for range 3600 {
//		tok, err := cache.Token(ctx, key, fetch)
//		…
//		clock.Advance(time.Second)
//	}
//
// Fetches still run in goroutines of their own: a test that needs a
// background refresh to have finished waits for it, for example on a channel
// fed by [tokencache.Config.OnRefresh]. Tokens the fake server issues should
// take their Expiry from the same clock.
package tokencachetest
