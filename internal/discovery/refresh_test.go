package discovery

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

func TestMaxAge(t *testing.T) {
	tests := []struct {
		header []string
		want   time.Duration
	}{
		{nil, DefaultMaxAge},
		{[]string{"max-age=600"}, 10 * time.Minute},
		{[]string{"public, max-age=86400"}, 24 * time.Hour},
		{[]string{"max-age=999999999"}, MaxMaxAge},
		{[]string{"max-age=99999999999999999999"}, DefaultMaxAge}, // does not parse
		{[]string{"max-age=5"}, MinMaxAge},
		{[]string{"max-age=0"}, MinMaxAge},
		{[]string{"no-store"}, MinMaxAge},
		{[]string{"max-age=600", "no-cache"}, MinMaxAge},
		{[]string{`max-age="120"`}, 2 * time.Minute},
		{[]string{"max-age=-1"}, DefaultMaxAge},
		{[]string{"Max-Age=300"}, 5 * time.Minute},
	}
	for _, tt := range tests {
		h := http.Header{"Cache-Control": tt.header}
		assert.Equal(t, tt.want, MaxAge(h), "%q", tt.header)
	}
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRefreshing(t *testing.T) {
	i := newIDP(t)
	clock := &testClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	r := NewRefreshing(NewDiscovery("p", i.srv.URL+"/.well-known/openid-configuration", i.srv.URL, hc), clock.Now)
	ctx := context.Background()

	// The first fetch failing is an error, and is not kept.
	i.discStatus.Store(502)
	_, err := r.Get(ctx)
	require.Error(t, err)
	i.discStatus.Store(0)
	md, err := r.Get(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 2, i.discovery.Load())

	// Kept for DefaultMaxAge (the test IdP sends no Cache-Control).
	clock.Advance(DefaultMaxAge - time.Second)
	same, err := r.Get(ctx)
	require.NoError(t, err)
	assert.Same(t, md, same)
	assert.EqualValues(t, 2, i.discovery.Load())

	// Aged: fetched again; the key set of an unchanged jwks_uri is kept.
	clock.Advance(time.Second)
	next, err := r.Get(ctx)
	require.NoError(t, err)
	assert.NotSame(t, md, next)
	assert.Same(t, md.keys, next.keys, "an unchanged jwks_uri keeps its fetched keys")
	assert.EqualValues(t, 3, i.discovery.Load())

	// Refresh is rate-limited to once per MinMaxAge.
	_, err = r.Refresh(ctx)
	require.NoError(t, err)
	_, err = r.Refresh(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 4, i.discovery.Load(), "one forced fetch in a minute")
	clock.Advance(MinMaxAge)
	i.doc["jwks_uri"] = i.srv.URL + "/jwks?moved"
	moved, err := r.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, i.srv.URL+"/jwks?moved", moved.Endpoints.JWKSURL)
	assert.NotSame(t, next.keys, moved.keys, "a moved jwks_uri gets a new key set")

	// A failed re-fetch keeps the last good document.
	clock.Advance(DefaultMaxAge)
	i.discStatus.Store(503)
	kept, err := r.Get(ctx)
	require.NoError(t, err)
	assert.Same(t, moved, kept)
}

func TestRefreshingHonoursContext(t *testing.T) {
	i := newIDP(t)
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	r := NewRefreshing(NewDiscovery("p", i.srv.URL+"/.well-known/openid-configuration", i.srv.URL, hc), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Get(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestOAuthOnlyDiscovery(t *testing.T) {
	i := newIDP(t)
	delete(i.doc, "jwks_uri")
	delete(i.doc, "authorization_endpoint")
	_, err := i.discover(t)
	require.Error(t, err, "OpenID Connect requires jwks_uri")
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	d := NewDiscovery("p", i.srv.URL+"/.well-known/openid-configuration", i.srv.URL, hc)
	d.OAuthOnly = true
	md, err := d.Get(context.Background())
	require.NoError(t, err)
	_, err = md.Verifier("p", "c", nil).Verify(context.Background(), "a.b.c", "n")
	require.Error(t, err, "no keys: nothing verifies")
}
