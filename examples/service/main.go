// Command service is a server-to-server WebUntis integration for many
// schools, run against the in-process fake: it receives each school's
// credentials through the signed credentials webhook, keeps them in a
// webuntis.Tenants over one shared token cache, then syncs every school's
// OneRoster users and classes with bounded concurrency over several token
// lifetimes on a simulated clock. Some schools' tokens are revoked early on
// the way, so the HTTP clients' invalidate-and-retry on 401 is exercised.
//
//	go run ./examples/service                       # 200 schools, 3 token lifetimes
//	go run ./examples/service -schools 20 -lifetimes 2
//
// It draws a progress bar on a terminal, prints a line a second otherwise,
// and ends with a summary: schools, API calls, token requests (and their
// ratio to the minimum, one per school and lifetime), cache hits, 401
// retries and elapsed time. It exits non-zero if a sync failed or returned
// another school's data.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// tokenLifetime is the fake's client-credentials token lifetime, WebUntis'
// 180 s, on the simulated clock.
const tokenLifetime = 180 * time.Second

type options struct {
	schools, lifetimes, rounds, concurrency, pageSize int
	revoke                                            float64
}

func main() {
	var o options
	flag.IntVar(&o.schools, "schools", 200, "number of schools")
	flag.IntVar(&o.lifetimes, "lifetimes", 3, "simulated token lifetimes to sync over")
	flag.IntVar(&o.rounds, "rounds", 3, "syncs of every school per token lifetime")
	flag.IntVar(&o.concurrency, "concurrency", 16, "schools synced at once")
	flag.IntVar(&o.pageSize, "page", 10, "OneRoster page size (limit)")
	flag.Float64Var(&o.revoke, "revoke", 0.05, "fraction of schools whose tokens are revoked early in each lifetime")
	flag.Parse()
	if o.schools < 1 || o.lifetimes < 1 || o.rounds < 1 || o.concurrency < 1 || o.pageSize < 1 || o.revoke < 0 || o.revoke > 1 {
		fmt.Fprintln(os.Stderr, "service: every count must be positive and -revoke in [0, 1]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
	s.write(os.Stdout)
}

// counts are what the summary reports.
type counts struct {
	apiCalls, retries401, cacheHits, syncs atomic.Int64
}

// countingTransport counts the OneRoster calls the service makes and the
// 401s that make its clients renew the token and retry.
type countingTransport struct {
	base http.RoundTripper
	c    *counts
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil && strings.HasPrefix(r.URL.Path, "/ims/oneroster/") {
		t.c.apiCalls.Add(1)
		if resp.StatusCode == http.StatusUnauthorized {
			t.c.retries401.Add(1)
		}
	}
	return resp, err
}

func run(ctx context.Context, o options, out *os.File) (*summary, error) {
	start := time.Now()
	clock := tokencachetest.NewClock(time.Date(2025, 9, 1, 7, 0, 0, 0, time.UTC))
	untis := webuntistest.NewServer(webuntistest.Options{Now: clock.Now, TokenLifetime: tokenLifetime})
	defer untis.Close()
	ids := make([]string, o.schools)
	for i := range ids {
		ids[i] = fmt.Sprintf("school-%04d", i+1)
		untis.AddTenant(webuntistest.Tenant{ID: ids[i], ClientID: "oauthkit-service", Users: 25 + i%20, Classes: 4 + i%5})
	}

	// One cache for every school; its hits counted for the summary.
	var c counts
	cache := tokencache.New(tokencache.Config{
		Clock:   clock,
		Metrics: &oauthkit.Metrics{CacheHit: func(context.Context, oauthkit.CacheInfo) { c.cacheHits.Add(1) }},
	})
	defer cache.Close()
	tenants, err := webuntis.NewTenants(webuntis.TenantsConfig{
		Credentials: &webuntis.MemoryCredentialStore{}, // or webuntis.NewFileCredentialStore: sealed files
		Config: webuntis.Config{
			BaseURL:    untis.URL,
			HTTPClient: &http.Client{Transport: countingTransport{untis.Client().Transport, &c}},
			Now:        clock.Now,
			Cache:      cache,
		},
	})
	if err != nil {
		return nil, err
	}

	// 1. Credentials arrive through the signed webhook, checked live.
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	if err != nil {
		return nil, err
	}
	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key, Credentials: tenants})
	if err != nil {
		return nil, err
	}
	receiver := httptest.NewServer(hook)
	defer receiver.Close()
	err = forEach(ctx, ids, o.concurrency, func(id string) error {
		status, err := untis.SendTenantCredentials(ctx, receiver.URL, id, webuntis.EventCreated)
		if err == nil && status != http.StatusNoContent {
			err = fmt.Errorf("webhook for %s: status %d", id, status)
		}
		return err
	})
	if err != nil {
		return nil, err
	}

	// 2. Sync every school, several times per token lifetime; some tokens
	// are revoked early in each lifetime.
	total := int64(o.lifetimes * o.rounds * len(ids))
	stop := progress(out, total, &c)
	step := tokenLifetime / time.Duration(o.rounds)
	revoked := int(o.revoke * float64(len(ids)))
	for l := range o.lifetimes {
		for r := range o.rounds {
			if r == o.rounds/2 {
				for i := range revoked {
					untis.RevokeTokens(ids[(l*revoked+i)%len(ids)])
				}
			}
			err := forEach(ctx, ids, o.concurrency, func(id string) error {
				err := syncSchool(ctx, tenants, untis.URL, id, o.pageSize)
				c.syncs.Add(1)
				return err
			})
			if err != nil {
				stop()
				return nil, err
			}
			clock.Advance(step)
		}
	}
	stop()
	return &summary{
		schools:       len(ids),
		lifetimes:     o.lifetimes,
		apiCalls:      c.apiCalls.Load(),
		tokenRequests: int64(untis.Requests(webuntistest.EndpointToken)),
		cacheHits:     c.cacheHits.Load(),
		retries401:    c.retries401.Load(),
		elapsed:       time.Since(start),
	}, nil
}

// syncSchool reads every page of the school's users and classes, and checks
// that they are that school's.
func syncSchool(ctx context.Context, tenants *webuntis.Tenants, apiURL, id string, limit int) error {
	client, err := tenants.Client(ctx, id)
	if err != nil {
		return err
	}
	for _, collection := range []string{"users", "classes"} {
		for offset := 0; ; offset += limit {
			items, err := page(ctx, client, fmt.Sprintf("%s/ims/oneroster/v1p1/%s?limit=%d&offset=%d", apiURL, collection, limit, offset), collection)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", id, collection, err)
			}
			for _, it := range items {
				if !strings.HasPrefix(it.SourcedID, id+"-") {
					return fmt.Errorf("%s: %s: got another school's record", id, collection)
				}
			}
			if len(items) < limit {
				break
			}
		}
	}
	return nil
}

func page(ctx context.Context, client *http.Client, url, collection string) ([]struct {
	SourcedID string `json:"sourcedId"`
}, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("OneRoster answered %s", resp.Status)
	}
	var body map[string][]struct {
		SourcedID string `json:"sourcedId"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return nil, err
	}
	return body[collection], nil
}

// forEach runs f for every id, at most n at a time, and returns the first
// error.
func forEach(ctx context.Context, ids []string, n int, f func(id string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, id := range ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(id); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return context.Cause(ctx)
}

// progress reports the syncs done out of total until the returned function
// is called: a bar redrawn in place on a terminal, a line a second
// otherwise (a pipe, a file, CI).
func progress(out *os.File, total int64, c *counts) (stop func()) {
	tty := false
	if fi, err := out.Stat(); err == nil {
		tty = fi.Mode()&os.ModeCharDevice != 0
	}
	every := time.Second
	if tty {
		every = 100 * time.Millisecond
	}
	draw := func(final bool) {
		done := c.syncs.Load()
		if !tty {
			fmt.Fprintf(out, "synced %d/%d school syncs, %d API calls\n", done, total, c.apiCalls.Load())
			return
		}
		const width = 40
		filled := int(done * width / max(total, 1))
		fmt.Fprintf(out, "\r[%s%s] %3d%%  %d/%d syncs  %d API calls", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done*100/max(total, 1), done, total, c.apiCalls.Load())
		if final {
			fmt.Fprintln(out)
		}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw(false)
			case <-quit:
				draw(true)
				return
			}
		}
	}()
	return sync.OnceFunc(func() { close(quit); <-done })
}

type summary struct {
	schools, lifetimes                             int
	apiCalls, tokenRequests, cacheHits, retries401 int64
	elapsed                                        time.Duration
}

func (s *summary) write(w io.Writer) {
	minimum := int64(s.schools * s.lifetimes)
	fmt.Fprintf(w, "schools         %d\n", s.schools)
	fmt.Fprintf(w, "token lifetimes %d (simulated, %s each)\n", s.lifetimes, tokenLifetime)
	fmt.Fprintf(w, "API calls       %d\n", s.apiCalls)
	fmt.Fprintf(w, "token requests  %d (%.3f × the minimum %d, webhook checks included)\n", s.tokenRequests, float64(s.tokenRequests)/float64(minimum), minimum)
	fmt.Fprintf(w, "cache hits      %d\n", s.cacheHits)
	fmt.Fprintf(w, "401 retries     %d\n", s.retries401)
	fmt.Fprintf(w, "elapsed         %s\n", s.elapsed.Round(time.Millisecond))
}
