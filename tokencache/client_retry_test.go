package tokencache_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// rejectingAPI answers 401 with a challenge to every token in reject, and
// 200 otherwise; it records the Authorization header and body of each
// request.
type rejectingAPI struct {
	*httptest.Server
	mu        sync.Mutex
	reject    map[string]bool // access tokens refused
	status    int             // answer to a refused token: 401 by default
	challenge string          // its WWW-Authenticate
	seen      []string        // "token body" per request
}

func newRejectingAPI(t *testing.T) *rejectingAPI {
	a := &rejectingAPI{reject: map[string]bool{}, status: http.StatusUnauthorized, challenge: `Bearer realm="api", error="invalid_token", error_description="revoked"`}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		a.seen = append(a.seen, tok+" "+string(body))
		refused, status, challenge := a.reject[tok], a.status, a.challenge
		a.mu.Unlock()
		if refused {
			w.Header().Set("WWW-Authenticate", challenge)
			w.WriteHeader(status)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *rejectingAPI) refuse(tokens ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, tok := range tokens {
		a.reject[tok] = true
	}
}

func (a *rejectingAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// TestClientRetriesOnceAfterInvalidToken: a 401 with error="invalid_token"
// drops the cached token and sends the request again, with its body, with a
// new token.
func TestClientRetriesOnceAfterInvalidToken(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			api := newRejectingAPI(t)
			h := newHarness(t, tokencache.Config{})
			client := h.cache.Client(testingKey, h.up.fetch, nil)
			api.refuse("at-1") // revoked by the server after it was issued

			var body io.Reader
			want := " "
			if method == http.MethodPost {
				body, want = strings.NewReader("payload"), " payload"
			}
			req, err := http.NewRequest(method, api.URL, body)
			require.NoError(t, err)
			resp, err := client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, []string{"at-1" + want, "at-2" + want}, api.requests())
			assert.EqualValues(t, 2, h.up.calls.Load(), "one new token")

			// The new token is cached: the next request uses it at once.
			resp, err = client.Get(api.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.EqualValues(t, 2, h.up.calls.Load())
		})
	}
}

// TestClientReturnsSecond401: the retry's 401 goes to the caller; the client
// never loops.
func TestClientReturnsSecond401(t *testing.T) {
	api := newRejectingAPI(t)
	api.refuse("at-1", "at-2", "at-3")
	h := newHarness(t, tokencache.Config{})
	resp, err := h.cache.Client(testingKey, h.up.fetch, nil).Get(api.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Len(t, api.requests(), 2, "one retry, no more")
	assert.EqualValues(t, 2, h.up.calls.Load())
}

// TestClientDoesNotRetryUnreplayableBody: a POST whose body cannot be read
// again (no GetBody) gets the 401, sent once.
func TestClientDoesNotRetryUnreplayableBody(t *testing.T) {
	api := newRejectingAPI(t)
	api.refuse("at-1")
	h := newHarness(t, tokencache.Config{})
	req, err := http.NewRequest(http.MethodPost, api.URL, io.NopCloser(strings.NewReader("once")))
	require.NoError(t, err)
	require.Nil(t, req.GetBody)
	resp, err := h.cache.Client(testingKey, h.up.fetch, nil).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, []string{"at-1 once"}, api.requests())
}

// TestClientDoesNotRetryOtherRefusals: 403, and a 401 whose challenge does
// not say the token is invalid, are the caller's answer; the token stays
// cached.
func TestClientDoesNotRetryOtherRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		challenge string
	}{
		{"403 insufficient_scope", http.StatusForbidden, `Bearer error="insufficient_scope"`},
		{"403 invalid_token", http.StatusForbidden, `Bearer error="invalid_token"`},
		{"401 without error code", http.StatusUnauthorized, `Bearer realm="api"`},
		{"401 Basic challenge", http.StatusUnauthorized, `Basic realm="api", error="invalid_token"`},
		{"401 other error", http.StatusUnauthorized, `Bearer error="invalid_request"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newRejectingAPI(t)
			api.status, api.challenge = tc.status, tc.challenge
			api.refuse("at-1")
			h := newHarness(t, tokencache.Config{})
			resp, err := h.cache.Client(testingKey, h.up.fetch, nil).Get(api.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Len(t, api.requests(), 1)
			assert.EqualValues(t, 1, h.up.calls.Load(), "the token was not dropped")
		})
	}
}

// TestClientRetryChallengeForms: the challenge is found among others, with
// or without quotes, in any case of scheme.
func TestClientRetryChallengeForms(t *testing.T) {
	for _, challenge := range []string{
		`Bearer error="invalid_token"`,
		`bearer error=invalid_token`,
		`Basic realm="x, y", Bearer realm="api", error="invalid_token"`,
		`Bearer realm="a,b" , error = "invalid_token"`,
	} {
		t.Run(challenge, func(t *testing.T) {
			api := newRejectingAPI(t)
			api.challenge = challenge
			api.refuse("at-1")
			h := newHarness(t, tokencache.Config{})
			resp, err := h.cache.Client(testingKey, h.up.fetch, nil).Get(api.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

// TestClientConcurrent401sRenewOnce: many requests refused with the same
// token renew it once, not once each.
func TestClientConcurrent401sRenewOnce(t *testing.T) {
	api := newRejectingAPI(t)
	h := newHarness(t, tokencache.Config{})
	client := h.cache.Client(testingKey, h.up.fetch, nil)
	resp, err := client.Get(api.URL) // caches at-1
	require.NoError(t, err)
	resp.Body.Close()
	api.refuse("at-1")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp, err := client.Get(api.URL)
			if assert.NoError(t, err) {
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, h.up.calls.Load(), int64(3), "a refused token is renewed about once, not per request")
}
