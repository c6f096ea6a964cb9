package httpc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// recordSleeps replaces waiting with recording, so retry tests take no time.
func recordSleeps(p *Policy) *[]time.Duration {
	var waits []time.Duration
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	p.Jitter = func(d time.Duration) time.Duration { return d } // the ceiling, to check the schedule
	return &waits
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		header    http.Header
		singleUse bool
		wantCalls int
		wantCode  int
		wantWaits []time.Duration
	}{
		{name: "success", statuses: []int{200}, wantCalls: 1, wantCode: 200},
		{name: "503 then success", statuses: []int{503, 200}, wantCalls: 2, wantCode: 200, wantWaits: []time.Duration{200 * time.Millisecond}},
		{name: "502, 504, then gives up", statuses: []int{502, 504, 503}, wantCalls: 3, wantCode: 503, wantWaits: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}},
		{name: "429 honours Retry-After seconds", statuses: []int{429, 200}, header: http.Header{"Retry-After": {"7"}}, wantCalls: 2, wantCode: 200, wantWaits: []time.Duration{7 * time.Second}},
		{name: "Retry-After beyond the cap is not waited for", statuses: []int{429, 200}, header: http.Header{"Retry-After": {"3600"}}, wantCalls: 1, wantCode: 429},
		{name: "400 is an answer, not retried", statuses: []int{400, 200}, wantCalls: 1, wantCode: 400},
		{name: "401 is not retried", statuses: []int{401, 200}, wantCalls: 1, wantCode: 401},
		{name: "500 is not retried", statuses: []int{500, 200}, wantCalls: 1, wantCode: 500},
		{name: "single-use request that reached the server is not resent", statuses: []int{503, 200}, singleUse: true, wantCalls: 1, wantCode: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				for k, vs := range tt.header {
					w.Header()[k] = vs
				}
				w.WriteHeader(tt.statuses[min(n, len(tt.statuses)-1)])
			}))
			defer srv.Close()
			p := Policy{}
			waits := recordSleeps(&p)
			c := New(Options{Retry: p})

			resp, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("a=b"), SingleUse: tt.singleUse})
			require.NoError(t, err)
			assert.Equal(t, tt.wantCode, resp.StatusCode)
			assert.Equal(t, tt.wantCalls, int(calls.Load()))
			assert.Equal(t, tt.wantCalls, resp.Attempts)
			assert.Equal(t, tt.wantWaits, *waits)
		})
	}
}

func TestRetryAfterLongerThanDeadlineIsNotWaited(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	p := Policy{}
	recordSleeps(&p)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := New(Options{Retry: p}).Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL})
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.EqualValues(t, 1, calls.Load())
}

func TestRealRetryAfterWait(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	start := time.Now()
	resp, err := New(Options{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After: 1 is waited out")
}

// refusingAddr returns an address nothing listens on.
func refusingAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestNetworkErrorBeforeSendingIsRetriedEvenForSingleUse(t *testing.T) {
	p := Policy{}
	waits := recordSleeps(&p)
	c := New(Options{Retry: p})
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: "http://" + refusingAddr(t), SingleUse: true})
	require.Error(t, err)
	assert.Len(t, *waits, 2, "a connection that was never made sent nothing: all 3 attempts run")
}

func TestSingleUseRequestCutAfterSendingIsNotResent(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.ReadAll(r.Body)
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // the request arrived; the answer never comes
	}))
	defer srv.Close()
	p := Policy{}
	recordSleeps(&p)
	c := New(Options{Retry: p})

	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("code=x"), SingleUse: true})
	require.Error(t, err)
	assert.EqualValues(t, 1, calls.Load(), "the code reached the server once and is not sent again")

	calls.Store(0)
	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("grant_type=client_credentials")})
	require.Error(t, err)
	assert.EqualValues(t, 3, calls.Load(), "a repeatable request is retried")
}

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 5<<20)))
	}))
	defer srv.Close()
	resp, err := New(Options{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	require.ErrorIs(t, err, oauthkit.ErrResponseTooLarge)
	require.NotNil(t, resp, "the status of an oversized answer is kept")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Nil(t, resp.Body)

	exact := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", DefaultMaxBody)))
	}))
	defer exact.Close()
	resp, err = New(Options{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: exact.URL})
	require.NoError(t, err, "a body of exactly the limit is fine")
	assert.Len(t, resp.Body, DefaultMaxBody)
}

func TestBoundedClientCutsBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 100)))
	}))
	defer srv.Close()
	hc := New(Options{MaxBody: 10}).Bounded()
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, oauthkit.ErrResponseTooLarge)
}

func TestContextEndsTheWait(t *testing.T) {
	release := make(chan struct{})
	seen := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case seen <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-seen; cancel() }() // the request is under way
	_, err := New(Options{}).Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL})
	require.ErrorIs(t, err, context.Canceled)

	_, err = New(Options{Timeout: 20 * time.Millisecond, Retry: Policy{MaxAttempts: 1}}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	require.ErrorIs(t, err, context.DeadlineExceeded, "each attempt is bounded by the timeout")
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	user := &http.Client{} // follows redirects by default
	resp, err := New(Options{HTTPClient: user}).Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("client_secret=s")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Zero(t, elsewhere.Load(), "the body with its secret is not resent elsewhere")
	assert.Nil(t, user.CheckRedirect, "the caller's client is not modified")
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"5", 5 * time.Second, true}, {"-1", 0, false}, {"soon", 0, false},
		{"Mon, 23 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Mon, 23 Nov 2026 11:00:00 GMT", 0, true},
		{"99999999999", 24 * time.Hour, true},
	} {
		got, ok := RetryAfter(http.Header{"Retry-After": {tt.v}}, now)
		assert.Equal(t, tt.ok, ok, tt.v)
		assert.Equal(t, tt.want, got, tt.v)
	}
}

func TestRetryAfterHTTPDateIsCappedLikeSeconds(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{
		"Tue, 24 Nov 2026 12:00:01 GMT", // a second over the cap
		"Fri, 31 Dec 9999 23:59:59 GMT", // overflows a Duration
		now.Add(400 * 24 * time.Hour).Format(http.TimeFormat),
	} {
		got, ok := RetryAfter(http.Header{"Retry-After": {v}}, now)
		assert.True(t, ok, v)
		assert.Equal(t, 24*time.Hour, got, v)
	}
	got, ok := RetryAfter(http.Header{"Retry-After": {"Tue, 24 Nov 2026 11:59:59 GMT"}}, now)
	assert.True(t, ok)
	assert.Equal(t, 24*time.Hour-time.Second, got, "a date under the cap is kept")
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"https://api.webuntis.com", "http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9/"} {
		assert.NoError(t, CheckURL(ok), ok)
	}
	for _, bad := range []string{"http://api.webuntis.com", "ftp://x", "api.webuntis.com", "https://", "http://127.0.0.1.evil.example", "::"} {
		assert.Error(t, CheckURL(bad), bad)
	}
}

func TestCheckBaseURL(t *testing.T) {
	for _, ok := range []string{"https://api.webuntis.com", "https://x.example/base", "http://127.0.0.1:8080"} {
		assert.NoError(t, CheckBaseURL(ok), ok)
	}
	for _, bad := range []string{"http://api.webuntis.com", "https://user:pw@x.example", "https://user@x.example", "https://x.example?a=1", "https://x.example?", "https://x.example#f"} {
		err := CheckBaseURL(bad)
		if assert.Error(t, err, "position %d", len(bad)) {
			assert.NotContains(t, err.Error(), "pw", "the error holds no password")
		}
	}
}

func TestBaseURL(t *testing.T) {
	got, err := BaseURL("https://x.example/a//", "https://default.example")
	require.NoError(t, err)
	assert.Equal(t, "https://x.example/a", got)
	got, err = BaseURL("", "https://default.example")
	require.NoError(t, err)
	assert.Equal(t, "https://default.example", got)
	_, err = BaseURL("/", "")
	assert.EqualError(t, err, "is required")
}

func TestCheckRedirectURL(t *testing.T) {
	for _, ok := range []string{"https://app.example/callback", "http://localhost:8080/cb", "myapp://oauth/callback", "https://app.example/cb?x=1"} {
		assert.NoError(t, CheckRedirectURL(ok), ok)
	}
	for _, bad := range []string{"", "/callback", "app.example/cb", "https://app.example/cb#frag", "::"} {
		assert.EqualError(t, CheckRedirectURL(bad), "must be an absolute URL without a fragment", bad)
	}
}

func TestUserAgent(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	_, err := New(Options{}).Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL})
	require.NoError(t, err)
	assert.Equal(t, UserAgent, ua)
	assert.False(t, errors.Is(err, oauthkit.ErrResponseTooLarge))
}

// TestNoRetry: a NoRetry request is sent once, whatever the failure: a
// transient status, and a connection that was never made (which even a
// single-use request is sent again after).
func TestNoRetry(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := Policy{}
	waits := recordSleeps(&p)
	c := New(Options{Retry: p})
	resp, attempts, err := c.DoAttempts(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, NoRetry: true})
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, 1, attempts)
	assert.Equal(t, int32(1), calls.Load())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	_, attempts, err = c.DoAttempts(context.Background(), &Request{Method: http.MethodPost, URL: closed, SingleUse: true, NoRetry: true})
	require.Error(t, err)
	assert.Equal(t, 1, attempts)
	assert.Empty(t, *waits)
}
