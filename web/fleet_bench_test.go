package web_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// fakeNow is a clock the benchmark moves a token lifetime at a time.
type fakeNow struct{ ns atomic.Int64 }

func (c *fakeNow) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeNow) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// BenchmarkFleetRefresh: replicas × goroutines ask for the tokens of many
// sessions whose tokens have all just gone stale (one op = one token
// lifetime: the clock moves on by a lifetime, then every goroutine asks for
// every session's token once, in its own order). It reports refreshes per
// session per lifetime (goal 1.00: one refresh per session for the whole
// fleet) and the p50/p99 of TokenSource().Token() during those refreshes.
// The provider answers a refresh after 2 ms.
func BenchmarkFleetRefresh(b *testing.B) {
	benchFleetRefresh(b, "memory", func(testing.TB) func() web.TokenStore {
		s := web.NewMemoryTokenStore()
		return func() web.TokenStore { return s }
	})
}

// benchFleetRefresh runs the fleet benchmark for 1, 3 and 8 replicas over
// the stores newStores makes (one factory per sub-benchmark: every call of
// it is one replica's store value over one backend).
func benchFleetRefresh(b *testing.B, store string, newStores func(testing.TB) func() web.TokenStore) {
	const (
		sessions   = 50
		goroutines = 4 // per replica
		life       = time.Hour
	)
	for _, replicas := range []int{1, 3, 8} {
		b.Run(fmt.Sprintf("store=%s/replicas=%d", store, replicas), func(b *testing.B) {
			clock := &fakeNow{}
			clock.ns.Store(time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).UnixNano())
			p := newIDP("idp")
			p.now, p.delay = clock.Now, 2*time.Millisecond
			stores := newStores(b)
			// Each replica's store tells of every session written back, so
			// that a round ends when its refreshes ahead (in the background)
			// have: one per session.
			replaced := make(chan struct{}, sessions)
			key := newKey()
			var hs []*web.Handler
			for range replicas {
				h, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{key}, Tokens: &countingStore{TokenStore: stores(), replaced: replaced}, Now: clock.Now, IdleTimeout: -1, SessionMaxAge: 10000 * life})
				if err != nil {
					b.Fatal(err)
				}
				hs = append(hs, h)
			}
			var cookies []*http.Cookie
			for i := range sessions {
				cookies = append(cookies, startBenchSession(b, hs[0], p, fmt.Sprint("user-", i), clock.Now().Add(life)))
			}
			var lat []time.Duration
			var mu sync.Mutex
			p.refreshes.Store(0)
			b.ResetTimer()
			for range b.N {
				clock.Advance(life - 10*time.Second) // every token is stale, still valid
				var wg sync.WaitGroup
				for _, h := range hs {
					for range goroutines {
						wg.Add(1)
						go func() {
							defer wg.Done()
							order := rand.Perm(sessions)
							mine := make([]time.Duration, 0, sessions)
							for _, i := range order {
								start := time.Now()
								_, err := h.TokenSource(request(cookies[i])).Token()
								mine = append(mine, time.Since(start))
								if err != nil {
									b.Error(err)
									return
								}
							}
							mu.Lock()
							lat = append(lat, mine...)
							mu.Unlock()
						}()
					}
				}
				wg.Wait()
				await(b, replaced, sessions, 10*time.Second, "the round's refreshes ahead")
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(p.refreshes.Load())/float64(sessions*b.N), "refreshes/session/lifetime")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			if n := p.sentTwice(); n != 0 {
				b.Errorf("%d refresh tokens sent twice", n)
			}
		})
	}
}

// startBenchSession starts a session for subject on h with a token from p
// expiring at expiry, and returns its cookie.
func startBenchSession(b *testing.B, h *web.Handler, p *idp, subject string, expiry time.Time) *http.Cookie {
	r := httptest.NewRequest("GET", "https://app.example/auth/idp/callback", nil)
	_, c, err := web.StartSession(h, r, "", &oauthkit.Login{Provider: p.name, Token: p.issue(expiry), UserInfo: oauthkit.UserInfo{Subject: subject}})
	if err != nil || c == nil {
		b.Fatalf("start session: %v", err)
	}
	return c
}
