package native

import "errors"

// Errors of this package; each is wrapped with the operation and the
// details, so test them with errors.Is.
var (
	// ErrTimeout: no callback with the login's state arrived within
	// Options.Timeout or before ctx's deadline (the error wraps
	// context.DeadlineExceeded then too). A cancelled ctx is reported with
	// ctx's own error.
	ErrTimeout = errors.New("native: no callback arrived in time")

	// ErrRedirectURL: the redirect URL is not one a native app can listen
	// on — http with a loopback IP literal, 127.0.0.1 or [::1] (RFC 8252
	// §7.3, §8.3) — or the AuthRequest's redirect URL is not the
	// listener's.
	ErrRedirectURL = errors.New("native: redirect URL is not this loopback listener's")

	// ErrBrowser: Options.OpenBrowser failed, so no one can finish the
	// login.
	ErrBrowser = errors.New("native: cannot open the browser")

	// ErrListenerUsed: a Listener serves one login; it was used or closed.
	ErrListenerUsed = errors.New("native: listener already used or closed")
)
