package tokencachetest_test

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// A simulated quarter hour of traffic on one key, one request every 10 s,
// with 3-minute tokens and no sleeps.
func ExampleClock() {
	clock := tokencachetest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	const ahead, margin = 20 * time.Second, 10 * time.Second
	refreshed := make(chan tokencache.RefreshEvent, 1)
	cache := tokencache.New(tokencache.Config{
		Clock:        clock,
		RefreshAhead: ahead,
		ExpiryMargin: margin,
		OnRefresh:    func(ev tokencache.RefreshEvent) { refreshed <- ev },
	})
	defer cache.Close()

	fetches := 0 // one fetch runs at a time, and the loop waits for each
	fetch := func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: fmt.Sprint("token-", fetches), Expiry: clock.Now().Add(3 * time.Minute)}, nil
	}
	ctx := context.Background()
	start := clock.Now()
	for clock.Now().Sub(start) < 15*time.Minute {
		tok, err := cache.Token(ctx, "school-42", fetch)
		if err != nil {
			panic(err)
		}
		if !clock.Now().Before(tok.Expiry.Add(-ahead - margin)) {
			// Stale: this call got the old token and started a refresh.
			<-refreshed
			fmt.Printf("%v: served %s, refreshed behind\n", clock.Now().Sub(start), tok.AccessToken)
		}
		select {
		case <-refreshed: // the first fetch, which the first call waited for
		default:
		}
		clock.Advance(10 * time.Second)
	}
	fmt.Println("fetches:", fetches)
	// Output:
	// 2m30s: served token-1, refreshed behind
	// 5m0s: served token-2, refreshed behind
	// 7m30s: served token-3, refreshed behind
	// 10m0s: served token-4, refreshed behind
	// 12m30s: served token-5, refreshed behind
	// fetches: 6
}
