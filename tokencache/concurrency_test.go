package tokencache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

const callers = 1000

// callAll has n goroutines call Token for testingKey at once and returns
// their tokens and errors, once all of them returned.
func callAll(h *harness, ctx context.Context, n int) ([]*oauth2.Token, []error) {
	toks, errs := make([]*oauth2.Token, n), make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			toks[i], errs[i] = h.cache.Token(ctx, testingKey, h.up.fetch)
		})
	}
	start.Done()
	done.Wait()
	return toks, errs
}

// TestStaleHerd: 1000 callers of a stale key all get the old token without
// waiting, while exactly one refresh runs: the upstream stays blocked until
// every caller has returned.
func TestStaleHerd(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.clock.Advance(toStale)
	release := h.up.block()
	defer release()

	toks, errs := callAll(h, context.Background(), callers)
	for i := range callers {
		require.NoError(t, errs[i])
		require.Same(t, first, toks[i], "caller %d", i)
	}
	assert.Equal(t, int64(2), h.up.calls.Load(), "one refresh for 1000 stale callers")

	release()
	ev := h.waitEvent(t)
	assert.True(t, ev.Ahead)
	h.noEvent(t)
	assert.Equal(t, "at-2", h.token(t).AccessToken)
	assert.Equal(t, int64(2), h.up.calls.Load())
}

// TestExpiredHerd: 1000 callers of an expired key with a 100 ms upstream
// wait for one fetch and all get its token.
func TestExpiredHerd(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	h.filled(t)
	h.clock.Advance(toExpired)
	h.up.delay = 100 * time.Millisecond

	toks, errs := callAll(h, context.Background(), callers)
	for i := range callers {
		require.NoError(t, errs[i])
		require.Equal(t, "at-2", toks[i].AccessToken, "caller %d", i)
	}
	assert.Same(t, toks[0], toks[callers-1], "one token shared by all")
	assert.Equal(t, int64(2), h.up.calls.Load(), "one fetch for 1000 expired callers")
}

// TestMissingHerd: the same for a key never seen, and a failing upstream:
// everyone waiting gets the error of the one fetch.
func TestMissingHerd(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%t", fail), func(t *testing.T) {
			h := newHarness(t, tokencache.Config{})
			h.up.delay = 20 * time.Millisecond
			if fail {
				h.up.failNext(errUpstream)
			}
			toks, errs := callAll(h, context.Background(), callers)
			for i := range callers {
				if fail {
					require.ErrorIs(t, errs[i], errUpstream, "caller %d", i)
				} else {
					require.NoError(t, errs[i])
					require.Same(t, toks[0], toks[i], "caller %d", i)
				}
			}
			assert.Equal(t, int64(1), h.up.calls.Load())
		})
	}
}

type ctxKey struct{}

// TestWaiterCancellation: a waiter whose ctx ends returns at once; the fetch
// goes on for the others, with the starter's values, a deadline and no
// cancellation.
func TestWaiterCancellation(t *testing.T) {
	h := newHarness(t, tokencache.Config{FetchTimeout: time.Minute})
	release := h.up.block()
	defer release()

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "trace-1"))
	errA := make(chan error, 1)
	go func() {
		_, err := h.cache.Token(ctx, testingKey, h.up.fetch)
		errA <- err
	}()
	require.Eventually(t, func() bool { return h.up.calls.Load() == 1 }, waitLimit, time.Millisecond)
	tokB := make(chan *oauth2.Token, 1)
	go func() {
		tok, _ := h.cache.Token(context.Background(), testingKey, h.up.fetch)
		tokB <- tok
	}()

	cancel()
	select {
	case err := <-errA:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(waitLimit):
		t.Fatal("cancelled waiter still waiting")
	}

	fetchCtx := h.up.lastCtx()
	assert.NoError(t, fetchCtx.Err(), "the fetch is not cancelled with its starter")
	assert.Equal(t, "trace-1", fetchCtx.Value(ctxKey{}), "the starter's values are kept")
	deadline, ok := fetchCtx.Deadline()
	require.True(t, ok, "the fetch has a deadline")
	assert.WithinDuration(t, time.Now().Add(time.Minute), deadline, 5*time.Second)

	release()
	tok := <-tokB
	require.NotNil(t, tok)
	assert.Equal(t, "at-1", tok.AccessToken)
	assert.Equal(t, int64(1), h.up.calls.Load())
}

// TestCancelledBeforeCall: a caller whose ctx already ended starts no fetch.
func TestCancelledBeforeCall(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.cache.Token(ctx, testingKey, h.up.fetch)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, h.up.calls.Load())
	assert.Zero(t, h.cache.Len())
}

// TestClose: fetches in flight end, their callers get an error, and later
// callers get ErrClosed.
func TestClose(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	blocked := func(ctx context.Context) (*oauth2.Token, error) {
		h.up.calls.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	errc := make(chan error, 1)
	go func() {
		_, err := h.cache.Token(context.Background(), testingKey, blocked)
		errc <- err
	}()
	require.Eventually(t, func() bool { return h.up.calls.Load() == 1 }, waitLimit, time.Millisecond)

	require.NoError(t, h.cache.Close())
	require.ErrorIs(t, <-errc, context.Canceled)
	assert.Zero(t, h.cache.Len())
	assert.Zero(t, h.clock.Pending())

	_, err := h.cache.Token(context.Background(), "other", h.up.fetch)
	require.ErrorIs(t, err, tokencache.ErrClosed)
	assert.Zero(t, h.cache.Len())
	require.NoError(t, h.cache.Close(), "Close twice")
}

// TestStress mixes every operation on a few keys while the clock moves, for
// the race detector.
func TestStress(t *testing.T) {
	h := newHarness(t, tokencache.Config{MaxEntries: 4})
	h.up.failNext(errUpstream, nil, nil, errUpstream, nil, errUpstream)
	keys := []string{"a", "b", "c", "d", "e", "f"}
	sources := make([]oauth2.TokenSource, len(keys))
	for i, k := range keys {
		sources[i] = h.cache.TokenSource(k, h.up.fetch)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	ops := newProgress()
	stop := make(chan struct{})
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ops.tick()
				k := (g + i) % len(keys)
				var tok *oauth2.Token
				var err error
				switch i % 7 {
				case 0:
					err = h.cache.Invalidate(ctx, keys[k])
				case 1, 2, 3:
					tok, err = sources[k].Token()
				default:
					tok, err = h.cache.Token(ctx, keys[k], h.up.fetch)
				}
				if err == nil && i%7 != 0 && tok.AccessToken == "" {
					t.Error("empty token")
				}
			}
		})
	}
	for range 200 {
		h.clock.Advance(7 * time.Second)
		ops.wait(t, 8) // operations between each step
	}
	close(stop)
	wg.Wait()
	assert.LessOrEqual(t, h.cache.Len(), 6)
}
