package native

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// DefaultTimeout is how long a login waits for the callback unless
// Options.Timeout says otherwise.
const DefaultTimeout = 5 * time.Minute

// shutdownGrace bounds how long closing the callback server waits for the
// page of the callback being answered to be written.
const shutdownGrace = 2 * time.Second

// Options configure one native login. The zero value opens the system
// browser and waits [DefaultTimeout].
type Options struct {
	// OpenBrowser sends the user to the authorization URL. It is called
	// once the listener is serving, and should return once the browser is
	// started; it must return once ctx is done (at the login's timeout):
	// the login returns only after it has. An error ends the login
	// ([ErrBrowser]); an opener that
	// cannot start a browser but can show the URL (print it) should show it
	// and return nil. Tests drive a fake vendor with it. Nil:
	// [OpenSystemBrowser].
	OpenBrowser func(ctx context.Context, authURL string) error

	// Timeout bounds the whole login, from the authorization request to
	// the exchange; ctx's deadline, when earlier, wins. The AuthRequest
	// made by [Listener.Login] expires with it too. Zero: DefaultTimeout.
	Timeout time.Duration

	// SuccessPage and FailurePage are the HTML pages the browser shows
	// after the callback: success once the login is complete, failure for a
	// login that failed and for a callback that is refused. They are sent
	// as they are — static, so that no token, code or error detail can
	// reach them — with Cache-Control no-store, nosniff and a
	// Content-Security-Policy that allows inline styles and nothing else.
	// Nil: a short page in English.
	SuccessPage, FailurePage []byte
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// Login runs a native app's login (RFC 8252) with p, whose redirect URL is a
// loopback URL with a fixed port: it makes the authorization request, listens
// on the request's redirect URL ([Listen]), sends the browser there
// (Options.OpenBrowser), waits for the callback and completes the login as
// [oauthkit.Complete] does. The listener is closed before Login returns.
//
// For a port the system picks (RFC 8252 §7.3, which has the server accept
// a registered loopback redirect URL on any port, as the fakes do), listen
// first and build the provider with the listener's redirect URL: see
// [Listen] and [Listener.Login]. The vendors take the redirect URL from
// their Config, not per request.
func Login(ctx context.Context, p oauthkit.Provider, o Options, opts ...oauthkit.AuthOption) (*oauthkit.Login, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout(), ErrTimeout)
	defer cancel()
	ar, err := p.AuthCodeURL(ctx, withMaxAge(o, opts)...)
	if err != nil {
		return nil, fmt.Errorf("native: login: %w", err)
	}
	if _, _, port, err := parseRedirect(ar.RedirectURL); err != nil {
		return nil, fmt.Errorf("native: login: %w", err)
	} else if port == "0" {
		return nil, fmt.Errorf("native: login: the provider's redirect URL has no port; use Listen and build the provider with the Listener's RedirectURL: %w", ErrRedirectURL)
	}
	l, err := Listen(ar.RedirectURL)
	if err != nil {
		return nil, fmt.Errorf("native: login: %w", err)
	}
	return l.complete(ctx, p, ar, o)
}

// Login runs a native app's login (RFC 8252) on the listener: it makes the
// authorization request with p, whose redirect URL must be
// [Listener.RedirectURL], then finishes as [Listener.Complete] does. The
// AuthRequest expires with Options.Timeout unless opts say otherwise.
func (l *Listener) Login(ctx context.Context, p oauthkit.Provider, o Options, opts ...oauthkit.AuthOption) (*oauthkit.Login, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout(), ErrTimeout)
	defer cancel()
	ar, err := p.AuthCodeURL(ctx, withMaxAge(o, opts)...)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("native: login: %w", err)
	}
	return l.complete(ctx, p, ar, o)
}

// Complete finishes a login whose AuthRequest the caller made (to look at
// it or change the request first): it serves ar's callback on the listener,
// opens the browser at ar.URL, waits for the callback and completes the
// login with [oauthkit.Complete] — or, for a provider that returns its
// tokens in the redirect's fragment (the implicit grant), with its
// [ImplicitCompleter]. ar.RedirectURL must be the listener's.
//
// # Which callback ends the wait
//
//   - The first callback with ar's state ends it: with the Login, or with
//     the error of the login (the vendor's error redirect, such as
//     access_denied, as an [*oauthkit.Error]; a failed exchange or ID-token
//     check). The browser shows the success or failure page.
//   - A callback with another state, or none, is refused with the failure
//     page and does not end the wait (RFC 8252 §8.9: reject a response
//     whose state matches no pending request). Any process on the machine
//     can connect to the listener; if such a callback ended the login, it
//     could race the real one and win. The real callback still completes
//     the login; the error at the timeout counts the refused ones.
//   - An error redirect without any state is refused the same way, and the
//     wait goes on, for every provider but Justimmo: any web page in the
//     user's browser can send one to 127.0.0.1 (the Host check passes), so
//     it says nothing about this login. Justimmo documents a denial
//     without state (docs/vendors/justimmo.md#authorization-code); for a
//     provider whose Name is "justimmo" it ends the login with the vendor's
//     error, as [oauthkit.Complete] reports it: nothing is exchanged, so
//     nothing is trusted, though a local process or a web page can end a
//     Justimmo login this way.
//   - Only the redirect URL's path is answered (other paths: 404), only for
//     the listener's own Host (a page of another site that resolves its name
//     to 127.0.0.1 gets 421), only with GET (and POST of an implicit
//     grant's fragment).
//
// The wait is bounded by ctx and Options.Timeout ([ErrTimeout]). The
// listener is closed before Complete returns, whatever the outcome.
func (l *Listener) Complete(ctx context.Context, p oauthkit.Provider, ar *oauthkit.AuthRequest, o Options) (*oauthkit.Login, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, o.timeout(), ErrTimeout)
	defer cancel()
	return l.complete(ctx, p, ar, o)
}

// withMaxAge makes the AuthRequest expire with the login's timeout, unless
// opts set a max age of their own (later options win).
func withMaxAge(o Options, opts []oauthkit.AuthOption) []oauthkit.AuthOption {
	return append([]oauthkit.AuthOption{oauthkit.WithMaxAge(o.timeout())}, opts...)
}

// complete serves the callback, opens the browser, waits and closes.
func (l *Listener) complete(ctx context.Context, p oauthkit.Provider, ar *oauthkit.AuthRequest, o Options) (*oauthkit.Login, error) {
	if !l.take() {
		return nil, fmt.Errorf("native: login: %w", ErrListenerUsed)
	}
	if ar == nil || ar.RedirectURL != l.redirectURL {
		l.ln.Close()
		got := ""
		if ar != nil {
			got = ar.RedirectURL
		}
		return nil, fmt.Errorf("native: login: the authorization request's redirect URL %q is not the listener's %q (build the provider with Listener.RedirectURL): %w", got, l.redirectURL, ErrRedirectURL)
	}
	cb := newCallback(ctx, l, p, ar, o)
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l.ln) // closes l.ln when it returns
	}()
	defer func() {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer scancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
		<-served
	}()

	open := o.OpenBrowser
	if open == nil {
		open = OpenSystemBrowser
	}
	// The opener gets the login's ctx, done at the timeout: Complete
	// returns once it has returned, so that nothing of the login runs on.
	browserErr := make(chan error, 1)
	var browser sync.WaitGroup
	browser.Go(func() { browserErr <- open(ctx, ar.URL) })
	defer browser.Wait()

	for {
		select {
		case r := <-cb.result:
			return r.login, r.err
		case err := <-browserErr:
			if err != nil {
				return nil, fmt.Errorf("native: login: %w: %w", ErrBrowser, err)
			}
			browserErr = nil // started; keep waiting for the callback
		case <-ctx.Done():
			return nil, cb.timeoutError(ctx)
		}
	}
}

// timeoutError says why the wait ended without a login: ErrTimeout at
// Options.Timeout or ctx's deadline (wrapping ctx's error too), ctx's
// error when it was cancelled.
func (c *callback) timeoutError(ctx context.Context) error {
	cause := context.Cause(ctx)
	refused := ""
	if n := c.refused.Load(); n > 0 {
		refused = fmt.Sprintf(" (%d callback(s) with another state refused)", n)
	}
	switch {
	case errors.Is(cause, ErrTimeout):
		return fmt.Errorf("native: login: no callback with the login's state at %s within %s%s: %w", c.l.redirectURL, c.timeout, refused, cause)
	case errors.Is(cause, context.DeadlineExceeded):
		return fmt.Errorf("native: login: no callback with the login's state at %s before the deadline%s: %w: %w", c.l.redirectURL, refused, ErrTimeout, cause)
	}
	return fmt.Errorf("native: login: waiting for the callback at %s%s: %w", c.l.redirectURL, refused, cause)
}
