package httpc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
)

func TestRetriesAreReportedBeforeTheWait(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	rec := observetest.New()
	p := Policy{}
	var retriesAtSleep int
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		retriesAtSleep = len(rec.Retries())
		return ctx.Err()
	}
	c := New(Options{Retry: p, Observer: observe.New("vendor", rec.Logger(), rec.Metrics())})

	resp, attempts, err := c.DoAttempts(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Op: oauthkit.OpDiscovery})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 2, attempts)
	assert.Equal(t, 1, retriesAtSleep, "the retry is reported before the wait")
	assert.Equal(t, []oauthkit.RetryInfo{{
		Provider: "vendor", Op: oauthkit.OpDiscovery, Attempt: 1, Reason: "HTTP 503", StatusCode: 503, Delay: 2 * time.Second,
	}}, rec.Retries())
	assert.Contains(t, rec.Log(), `"msg":"oauthkit: retry"`)
	assert.Contains(t, rec.Log(), `"delay":2000000000`)
}

func TestDoAttemptsCountsWithoutAResponse(t *testing.T) {
	p := Policy{}
	recordSleeps(&p)
	rec := observetest.New()
	resp, attempts, err := New(Options{Retry: p, Observer: observe.New("vendor", nil, rec.Metrics())}).
		DoAttempts(context.Background(), &Request{Method: http.MethodGet, URL: "http://" + refusingAddr(t)})
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.Equal(t, 3, attempts)
	require.Len(t, rec.Retries(), 2)
	assert.Equal(t, "network error", rec.Retries()[1].Reason)
	assert.Equal(t, 2, rec.Retries()[1].Attempt)
	assert.Empty(t, rec.Log(), "a nil logger is silent")
}
