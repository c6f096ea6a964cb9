package discovery

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// refetchEvery is the least time between two fetches of an issuer's keys
// after its first. go-oidc fetches the key set again whenever a token names
// a key it does not hold, and anyone can send such a token to a public
// endpoint (back-channel logout): without a limit, each one made this
// process fetch the issuer's keys, as fast as the fetches returned. A key
// rotated in meanwhile is still found at the next fetch, at most this much
// later; the first fetch after the first one is never held back, so a
// rotation seen by a token with a new key is picked up at once.
const refetchEvery = 5 * time.Second

// refetchLimit is the key set's transport: it answers a fetch that comes
// sooner than refetchEvery after the last refetch with the last key set
// fetched, without a request. Only the key set's client uses it, for GETs
// of the jwks_uri.
type refetchLimit struct {
	base http.RoundTripper
	now  func() time.Time // tests

	mu      sync.Mutex
	fetches int         // answered by the network
	last    time.Time   // of the last network fetch after the first
	body    []byte      // the last key set fetched
	header  http.Header // and its headers
}

func (t *refetchLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	now := t.now()
	if t.body != nil && t.fetches > 1 && now.Sub(t.last) < refetchEvery {
		resp := &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: t.header.Clone(), Body: io.NopCloser(bytes.NewReader(t.body)),
			ContentLength: int64(len(t.body)), Request: r,
		}
		t.mu.Unlock()
		return resp, nil
	}
	t.fetches++
	if t.fetches > 1 {
		t.last = now
	}
	t.mu.Unlock()

	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body) // bounded by the base transport
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.body, t.header = body, resp.Header.Clone()
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
