package fakeidp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
)

// Recorded is one request a [Recorder] received, read in full.
type Recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Form is the body parsed as application/x-www-form-urlencoded (nil if
	// the body is not a form): what a server that reads parameters from the
	// body only (league/oauth2-server) sees.
	Form url.Values
}

// Recorder is an httptest server that records every request and answers
// with a handler: the server of x/oauth2's TestExchangeRequest-style tests,
// which assert the exact request a vendor expects.
type Recorder struct {
	*httptest.Server

	mu      sync.Mutex
	reqs    []Recorded
	handler http.HandlerFunc
}

// NewRecorder starts a Recorder answering with h. Close it when done.
func NewRecorder(h http.HandlerFunc) *Recorder {
	rec := &Recorder{handler: h}
	rec.Server = httptest.NewServer(http.HandlerFunc(rec.serve))
	return rec
}

func (rec *Recorder) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	got := Recorded{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	if IsForm(r) {
		got.Form, _ = url.ParseQuery(string(body))
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, got)
	h := rec.handler
	rec.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	h(w, r)
}

// SetHandler changes how the Recorder answers.
func (rec *Recorder) SetHandler(h http.HandlerFunc) {
	rec.mu.Lock()
	rec.handler = h
	rec.mu.Unlock()
}

// Requests returns the requests received so far, oldest first.
func (rec *Recorder) Requests() []Recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Recorded(nil), rec.reqs...)
}

// Last returns the latest request, or a zero Recorded if none arrived.
func (rec *Recorder) Last() Recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		return Recorded{}
	}
	return rec.reqs[len(rec.reqs)-1]
}

// Reply returns a handler answering status with body, typed as
// application/json when body is JSON and text/html otherwise (as an injected
// [Fault] is).
func Reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var fs Faults
		fs.Inject("reply", Fault{Status: status, Body: body})
		fs.Apply("reply", w, r)
	}
}
