package httpc

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestsReuseOneConnection: one request after another goes over one
// kept-alive connection, with the caller's client and with the default one,
// whatever the answer: a body of announced length, a chunked one, an error
// status. A client that dialled (and, over TLS, shook hands) for every token
// request would spend more on that than on everything else the request does.
func TestRequestsReuseOneConnection(t *testing.T) {
	answers := []struct {
		name   string
		status int
		body   string
		chunk  bool
	}{
		{"announced length", http.StatusOK, `{"access_token":"at","expires_in":180}`, false},
		{"chunked", http.StatusOK, `{"access_token":"at","expires_in":180}`, true},
		{"error status", http.StatusBadRequest, `{"error":"invalid_client"}`, false},
		{"empty", http.StatusNoContent, ``, false},
	}
	for _, a := range answers {
		for _, own := range []bool{true, false} {
			name := a.name + "/default client"
			if own {
				name = a.name + "/caller's client"
			}
			t.Run(name, func(t *testing.T) {
				var dials atomic.Int32
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(a.status)
					if a.chunk {
						half := len(a.body) / 2
						_, _ = io.WriteString(w, a.body[:half])
						w.(http.Flusher).Flush() // no Content-Length now
						_, _ = io.WriteString(w, a.body[half:])
						return
					}
					_, _ = io.WriteString(w, a.body)
				}))
				srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
					if s == http.StateNew {
						dials.Add(1)
					}
				}
				srv.Start()
				t.Cleanup(srv.Close)
				o := Options{}
				if own {
					o.HTTPClient = srv.Client()
				}
				c := New(o)
				for range 10 {
					resp, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("grant_type=client_credentials")})
					require.NoError(t, err)
					require.Equal(t, a.status, resp.StatusCode)
				}
				assert.Equal(t, int32(1), dials.Load(), "connections opened for 10 requests")
			})
		}
	}
}
