package fakeidp

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// Fault and Hangup are the public types of oauthkittest, which documents
// them; the machinery here applies them.
type (
	Fault  = oauthkittest.Fault
	Hangup = oauthkittest.Hangup
)

// The ways a [Fault] hangs up.
const (
	HangupBeforeBody = oauthkittest.HangupBeforeBody
	HangupAfterBody  = oauthkittest.HangupAfterBody
)

// Faults holds the injected faults of one fake, per endpoint name.
type Faults struct {
	mu     sync.Mutex
	faults map[string][]*Fault
}

// Inject queues f for endpoint. Faults with Times run in order.
func (fs *Faults) Inject(endpoint string, f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.faults == nil {
		fs.faults = map[string][]*Fault{}
	}
	fs.faults[endpoint] = append(fs.faults[endpoint], &f)
}

// Clear removes every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	fs.faults = nil
	fs.mu.Unlock()
}

func (fs *Faults) take(endpoint string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	q := fs.faults[endpoint]
	if len(q) == 0 {
		return nil
	}
	f := *q[0]
	if q[0].Times > 0 {
		q[0].Times--
		if q[0].Times == 0 {
			fs.faults[endpoint] = q[1:]
		}
	}
	return &f
}

// Apply answers r with the next fault for endpoint, if there is one, and
// reports whether it wrote the response. A delay-only fault waits and lets
// the normal handler answer.
func (fs *Faults) Apply(endpoint string, w http.ResponseWriter, r *http.Request) bool {
	f := fs.take(endpoint)
	if f == nil {
		return false
	}
	if f.Hangup != 0 {
		hangup(w, r, f.Hangup)
		return true
	}
	if f.Delay > 0 {
		// Reading the body lets net/http watch the connection, so that the
		// request's context ends when the client gives up; it is put back
		// for the handler that answers after a delay-only fault.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Status == 0 {
		return false
	}
	for k, vs := range f.Header {
		w.Header()[k] = vs
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/json"
		if !json.Valid([]byte(f.Body)) {
			ct = "text/html; charset=utf-8"
		}
	}
	w.Header().Set("Content-Type", ct)
	if f.Stall {
		stall(w, r, f.Status, f.Body)
		return true
	}
	w.WriteHeader(f.Status)
	w.Write([]byte(f.Body))
	return true
}

// hangup closes the connection under r with a TCP reset, after reading the
// request body if how says so.
func hangup(w http.ResponseWriter, r *http.Request, how Hangup) {
	if how == HangupAfterBody {
		io.Copy(io.Discard, r.Body)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("fakeidp: Hangup needs a ResponseWriter that can be hijacked: " + err.Error())
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0) // a reset (RST), not an orderly close (FIN)
	}
	conn.Close()
}

// stall sends the header and the first half of body, then waits until the
// request ends.
func stall(w http.ResponseWriter, r *http.Request, status int, body string) {
	// Reading the body lets net/http notice when the client gives up.
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body[:len(body)/2]))
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
}

// Counter counts requests per endpoint.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts one request to endpoint.
func (c *Counter) Add(endpoint string) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[endpoint]++
	c.mu.Unlock()
}

// Get returns the count for endpoint.
func (c *Counter) Get(endpoint string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[endpoint]
}

// WriteJSON answers with v as JSON, uncacheable as RFC 6749 §5.1 asks.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// OAuthError answers with an RFC 6749 §5.2 error body.
func OAuthError(w http.ResponseWriter, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	WriteJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// IsForm reports whether r has a form-encoded body.
func IsForm(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded")
}

// Bearer returns the token of an "Authorization: Bearer …" header.
func Bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// Clock is a fake's clock; nil means time.Now.
type Clock func() time.Time

// Now returns the time.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
