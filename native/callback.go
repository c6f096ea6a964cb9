package native

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
)

// ImplicitCompleter is implemented by providers whose login may return its
// tokens in the redirect's fragment (LicenseSpring with response type
// "token"). For such a login the callback serves a small page whose script
// posts the fragment back, and the login finishes with CompleteImplicit.
type ImplicitCompleter interface {
	CompleteImplicit(ctx context.Context, ar *oauthkit.AuthRequest, fragment string) (*oauthkit.Login, error)
}

// maxFragment bounds the posted fragment (two JWTs and a few fields).
const maxFragment = 64 << 10

// result is how the login ended.
type result struct {
	login *oauthkit.Login
	err   error
}

// callback is the HTTP handler of one login's loopback listener.
type callback struct {
	ctx      context.Context // the login's: bounds the exchange
	l        *Listener
	p        oauthkit.Provider
	ar       *oauthkit.AuthRequest
	implicit ImplicitCompleter // non-nil: the login's tokens come in the fragment
	success  []byte
	failure  []byte
	timeout  time.Duration
	cop      *http.CrossOriginProtection

	result  chan result // buffered 1: only the callback that holds the state sends
	refused atomic.Int64
}

func newCallback(ctx context.Context, l *Listener, p oauthkit.Provider, ar *oauthkit.AuthRequest, o Options) *callback {
	c := &callback{
		ctx: ctx, l: l, p: p, ar: ar,
		success: o.SuccessPage, failure: o.FailurePage,
		timeout: o.timeout(),
		cop:     http.NewCrossOriginProtection(),
		result:  make(chan result, 1),
	}
	if c.success == nil {
		c.success = []byte(successPage)
	}
	if c.failure == nil {
		c.failure = []byte(failurePage)
	}
	if ic, ok := p.(ImplicitCompleter); ok && !authreq.RequestsCode(ar.URL) {
		c.implicit = ic
	}
	return c
}

// ServeHTTP answers the redirect URL's path and nothing else.
func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path != c.l.path:
		http.NotFound(w, r)
	case r.Host != c.l.host:
		// DNS rebinding: a site whose name resolves to 127.0.0.1 reaches
		// the listener with its own name in Host.
		http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
	case r.Method == http.MethodGet && c.implicit != nil && r.URL.RawQuery == "":
		c.fragmentPage(w)
	case r.Method == http.MethodGet && c.foreignStatelessError(r.URL.Query()):
		// Any page in the user's browser can send this to 127.0.0.1; from
		// a provider that never sends it, it is not the login's answer.
		c.refused.Add(1)
		page(w, http.StatusBadRequest, c.failure)
	case r.Method == http.MethodGet:
		login, err := oauthkit.Complete(c.ctx, c.p, c.ar, r.URL.Query())
		c.finish(w, login, err)
	case r.Method == http.MethodPost && c.implicit != nil:
		c.implicitCallback(w, r)
	default:
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// statelessErrorProviders names the providers documented to send an error
// redirect without state: Justimmo's denial may carry none
// (docs/vendors/justimmo.md#authorization-code).
var statelessErrorProviders = map[string]bool{"justimmo": true}

// foreignStatelessError reports whether q is an error redirect without
// state from a provider not documented to send one. Such a callback
// carries nothing that ties it to this login: anyone who can reach the
// listener (a web page in the user's browser included) could send it, so
// it is refused like a callback with another state and the wait goes on.
// A provider documented to send one ([statelessErrorProviders]) keeps the
// old rule: the error ends the login, nothing being exchanged.
func (c *callback) foreignStatelessError(q url.Values) bool {
	if !q.Has("error") || len(q["state"]) > 1 || q.Get("state") != "" {
		return false // an error with a state is checked against ar's by Complete
	}
	return !statelessErrorProviders[c.p.Name()]
}

// finish ends the login with login or err, unless err says that this
// callback is not the login's (another state, none, or a repeat), which
// is refused and leaves the wait running.
func (c *callback) finish(w http.ResponseWriter, login *oauthkit.Login, err error) {
	if errors.Is(err, oauthkit.ErrStateMismatch) {
		c.refused.Add(1)
		page(w, http.StatusBadRequest, c.failure)
		return
	}
	// CheckCallback lets one callback past the state check; an expired
	// login may be refused more than once, and the first refusal ends it.
	select {
	case c.result <- result{login, err}:
	default:
	}
	if err != nil {
		page(w, http.StatusOK, c.failure)
		return
	}
	page(w, http.StatusOK, c.success)
}

// implicitCallback finishes an implicit-grant login with the fragment the
// fragment page posted back.
func (c *callback) implicitCallback(w http.ResponseWriter, r *http.Request) {
	if err := c.cop.Check(r); err != nil {
		c.refused.Add(1)
		page(w, http.StatusForbidden, c.failure)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFragment)
	if err := r.ParseForm(); err != nil || len(r.PostForm["fragment"]) != 1 {
		c.refused.Add(1)
		page(w, http.StatusBadRequest, c.failure)
		return
	}
	fragment := strings.TrimPrefix(r.PostForm.Get("fragment"), "#")
	if !c.hasState(fragment) {
		// Not this login's fragment: refused before it is parsed further,
		// so that a malformed post cannot end the login either.
		c.refused.Add(1)
		page(w, http.StatusBadRequest, c.failure)
		return
	}
	login, err := c.implicit.CompleteImplicit(c.ctx, c.ar, fragment)
	c.finish(w, login, err)
}

// hasState reports whether the fragment carries exactly one state, ar's
// (compared in constant time). CompleteImplicit checks it again.
func (c *callback) hasState(fragment string) bool {
	v, err := url.ParseQuery(fragment)
	if err != nil || len(v["state"]) != 1 || c.ar.State == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(v["state"][0]), []byte(c.ar.State)) == 1
}

// pageCSP allows the pages' inline styles and nothing else.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// page writes a static HTML page that no cache keeps.
func page(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(status)
	w.Write(body)
}

const successPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Logged in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:4em auto;max-width:32em;padding:0 1em}</style></head>
<body><h1>Logged in</h1><p>You can close this window and return to the application.</p></body></html>
`

const failurePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Login not completed</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:4em auto;max-width:32em;padding:0 1em}</style></head>
<body><h1>Login not completed</h1><p>This page did not complete a login. Return to the application to see why, and try again there.</p></body></html>
`
