package httpc

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// silentTransport is a RoundTripper that is not net/http's: it fires no
// httptrace hook. It reads the whole request body, as a transport that
// sent it would, counts it, and fails with err.
type silentTransport struct {
	err   error
	bodys []string
}

func (s *silentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	s.bodys = append(s.bodys, string(b))
	return nil, s.err
}

// A single-use request through a transport that fires no trace hook was
// read "nothing written" after any error, and sent three times: a refresh
// token or code that reached the server went there again.
func TestSingleUseThroughASilentTransportIsNotResent(t *testing.T) {
	for name, err := range map[string]error{
		"plain error":      errors.New("tunnel: stream closed"),
		"connection reset": &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		"write error":      &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE},
		"context deadline": context.DeadlineExceeded,
		"EOF":              io.ErrUnexpectedEOF,
	} {
		t.Run(name, func(t *testing.T) {
			tr := &silentTransport{err: err}
			p := Policy{}
			waits := recordSleeps(&p)
			c := New(Options{HTTPClient: &http.Client{Transport: tr}, Retry: p})

			_, got := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: "https://idp.example/token", Body: []byte("grant_type=refresh_token&refresh_token=RT-1"), SingleUse: true})
			require.Error(t, got)
			assert.Len(t, tr.bodys, 1, "the refresh token went out once and is not sent again")
			assert.Empty(t, *waits)

			tr.bodys = nil
			_, got = c.Do(context.Background(), &Request{Method: http.MethodPost, URL: "https://idp.example/token", Body: []byte("grant_type=client_credentials")})
			require.Error(t, got)
			assert.Len(t, tr.bodys, 3, "a repeatable request is still retried")
		})
	}
}

// A transport that writes the request to the server itself, on its own
// connection, reads the answer and then loses it: the server sees the code
// once.
func TestSingleUseWrittenByACustomTransportReachesTheServerOnce(t *testing.T) {
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("code") == "C-1" {
			seen.Add(1)
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	tr := providertest.LostAnswer(srv.Listener.Addr().String())
	p := Policy{}
	recordSleeps(&p)
	c := New(Options{HTTPClient: &http.Client{Transport: tr}, Retry: p})
	_, err := c.Do(context.Background(), &Request{
		Method: http.MethodPost, URL: srv.URL + "/token", SingleUse: true,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   []byte("grant_type=authorization_code&code=C-1"),
	})
	require.Error(t, err)
	assert.EqualValues(t, 1, seen.Load(), "the server saw the code once")
}

// A request that never reached the server is still retried when that is
// proven: a name that did not resolve, a connection that was not made —
// through net/http's transport or through one of the user's that dials and
// fails.
func TestSingleUseUnreachedIsRetried(t *testing.T) {
	dnsFail := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "idp.example", IsNotFound: true}
	}}
	for name, tt := range map[string]struct {
		hc  *http.Client
		url string
	}{
		"connection refused":          {nil, "http://" + refusingAddr(t)},
		"name does not resolve":       {&http.Client{Transport: dnsFail}, "http://idp.example/token"},
		"custom transport dial error": {&http.Client{Transport: &silentTransport{err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}}, "https://idp.example/token"},
	} {
		t.Run(name, func(t *testing.T) {
			p := Policy{}
			waits := recordSleeps(&p)
			c := New(Options{HTTPClient: tt.hc, Retry: p})
			_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: tt.url, Body: []byte("code=C-1"), SingleUse: true})
			require.Error(t, err)
			assert.Len(t, *waits, 2, "nothing was sent: all 3 attempts run")
		})
	}
}

// A TLS handshake that failed is not a dial error: the connection was made,
// so a single-use request is not sent again.
func TestSingleUseAfterAFailedTLSHandshakeIsNotResent(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	p := Policy{}
	waits := recordSleeps(&p)
	c := New(Options{Retry: p}) // does not trust the test server's certificate
	_, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("code=C-1"), SingleUse: true})
	require.Error(t, err)
	assert.Empty(t, *waits)
}
