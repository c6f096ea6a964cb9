package tokencache_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestClientRefusesCrossHostRedirect: an API that redirects to another host
// does not get the token sent there, whether the client's CheckRedirect or,
// with a default CheckRedirect, the transport stops it.
func TestClientRefusesCrossHostRedirect(t *testing.T) {
	for _, tc := range []struct {
		name          string
		checkRedirect bool // keep the client's CheckRedirect
	}{
		{"client", true},
		{"transport", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var otherAuth, otherHits atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				otherHits.Add(1)
				if r.Header.Get("Authorization") != "" {
					otherAuth.Add(1)
				}
			}))
			defer other.Close()
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
			}))
			defer api.Close()

			h := newHarness(t, tokencache.Config{})
			client := h.cache.Client(testingKey, h.up.fetch, nil)
			if !tc.checkRedirect {
				client.CheckRedirect = nil // the default follows any redirect
			}
			resp, err := client.Get(api.URL + "/resource")
			if resp != nil {
				resp.Body.Close()
			}
			require.ErrorIs(t, err, oauthkit.ErrCrossOriginRedirect)
			assert.Zero(t, otherAuth.Load(), "the other host saw an Authorization header")
			if tc.checkRedirect {
				assert.Zero(t, otherHits.Load(), "the redirect was not followed")
			}
		})
	}
}

// TestClientFollowsSameHostRedirect: a redirect within the API's origin is
// followed, with the token.
func TestClientFollowsSameHostRedirect(t *testing.T) {
	var bearer, plain atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		if r.Header.Get("Authorization") == "Bearer at-1" {
			bearer.Add(1)
		} else {
			plain.Add(1)
		}
	}))
	defer api.Close()

	h := newHarness(t, tokencache.Config{})
	resp, err := h.cache.Client(testingKey, h.up.fetch, nil).Get(api.URL + "/old")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "/new", resp.Request.URL.Path, "redirect followed")
	assert.EqualValues(t, 1, bearer.Load(), "the redirected request carries the token")
	assert.Zero(t, plain.Load())
}

// TestClientTimeout: a request to a server that never answers ends after
// Config.ClientTimeout; the zero Config bounds it by DefaultClientTimeout.
func TestClientTimeout(t *testing.T) {
	assert.Equal(t, tokencache.DefaultClientTimeout, tokencache.New(tokencache.Config{}).Client(testingKey, nil, nil).Timeout)

	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hung.Close()
	defer close(release) // before hung.Close, which waits for the handler

	h := newHarness(t, tokencache.Config{ClientTimeout: 50 * time.Millisecond})
	client := h.cache.Client(testingKey, h.up.fetch, nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get(hung.URL)
		if resp != nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "a timeout error, got %T", err)
	case <-time.After(waitLimit):
		t.Fatal("the request to a server that never answers did not time out")
	}
}

// TestTokenSourceReleasedWhenFetchIgnoresCtx: TokenSource().Token(), which
// has no ctx of its own, returns when the fetch's FetchTimeout passes even
// if the fetch never returns; the key stays held by that fetch meanwhile.
func TestTokenSourceReleasedWhenFetchIgnoresCtx(t *testing.T) {
	h := newHarness(t, tokencache.Config{FetchTimeout: 50 * time.Millisecond})
	release := h.up.block() // the fetch ignores its ctx
	src := h.cache.TokenSource(testingKey, h.up.fetch)

	errc := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := src.Token()
			errc <- err
		}()
	}
	for range 2 {
		select {
		case err := <-errc:
			require.ErrorIs(t, err, context.DeadlineExceeded)
		case <-time.After(waitLimit):
			release()
			t.Fatal("Token waited past FetchTimeout for a fetch that ignores its ctx")
		}
	}
	_, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a late caller is not held either")
	assert.EqualValues(t, 1, h.up.calls.Load(), "no second fetch while the first lingers")

	release()
	h.waitEvent(t) // the lingering fill ends within the test
}

// TestCloseReturnsWhenFetchIgnoresCtx: Close waits at most FetchTimeout for
// a fetch that ignores its ctx, and its callers are released at once.
func TestCloseReturnsWhenFetchIgnoresCtx(t *testing.T) {
	h := newHarness(t, tokencache.Config{FetchTimeout: 100 * time.Millisecond})
	release := h.up.block()
	errc := make(chan error, 1)
	go func() {
		_, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
		errc <- err
	}()
	require.Eventually(t, func() bool { return h.up.calls.Load() == 1 }, waitLimit, time.Millisecond)

	closed := make(chan struct{})
	go func() {
		h.cache.Close()
		close(closed)
	}()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(waitLimit):
		release()
		t.Fatal("a caller waited past Close for a fetch that ignores its ctx")
	}
	select {
	case <-closed:
	case <-time.After(waitLimit):
		release()
		t.Fatal("Close waited past FetchTimeout for a fetch that ignores its ctx")
	}
	assert.Zero(t, h.cache.Len())

	release()
	h.waitEvent(t) // the lingering fill ends within the test
}
