package tokencache_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestTokenSource: a bound TokenSource follows the key through its states,
// sharing the entry with Token.
func TestTokenSource(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	src := h.cache.TokenSource(testingKey, h.up.fetch)
	first, err := src.Token()
	require.NoError(t, err)
	h.waitEvent(t)
	assert.Same(t, first, h.token(t))

	h.clock.Advance(toStale)
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Same(t, first, tok, "stale: served")
	h.waitEvent(t)

	h.clock.Advance(life) // expired and dropped
	assert.Zero(t, h.cache.Len())
	tok, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok.AccessToken)
	assert.Equal(t, int64(3), h.up.calls.Load())
}

// TestHitAllocs: a hit allocates nothing, on either path.
func TestHitAllocs(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	src := h.cache.TokenSource(testingKey, h.up.fetch)
	_, err := src.Token()
	require.NoError(t, err)
	ctx, fetch := context.Background(), h.up.fetch // a method value allocates: take it once
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = src.Token() }), "TokenSource")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = h.cache.Token(ctx, testingKey, fetch) }), "Token")
}

// TestClient: requests carry the key's token and go through base.
func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	h := newHarness(t, tokencache.Config{})
	base := &countingTransport{base: srv.Client().Transport}
	client := h.cache.Client(testingKey, h.up.fetch, base)

	for range 3 {
		resp, err := client.Get(srv.URL)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, "Bearer at-1", string(body))
	}
	assert.Equal(t, 3, base.n)
	assert.Equal(t, int64(1), h.up.calls.Load())
}

// TestClientCancelledWhileFetching: a request whose ctx ends while the token
// is being fetched returns at once, and its body is closed.
func TestClientCancelledWhileFetching(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	release := h.up.block()
	defer release()
	client := h.cache.Client(testingKey, h.up.fetch, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/", body)
	require.NoError(t, err)
	start := time.Now()
	_, err = client.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, body.closed, "request body closed")
}

type countingTransport struct {
	base http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.base.RoundTrip(r)
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}
