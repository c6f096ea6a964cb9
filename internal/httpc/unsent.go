package httpc

import (
	"context"
	"errors"
	"net"
	"net/http/httptrace"
	"sync/atomic"
)

// unsent proves, for a single-use request that failed without an answer,
// that none of it was written: only then may it be sent again (see
// [Request.SingleUse]). It fails closed. The proof is a dial or DNS error
// from an attempt that never got a connection and never wrote a header.
// The trace hooks alone prove nothing: a transport that is not net/http's
// (a custom RoundTripper, a mock, a tunnel) fires none of them, and "no
// hook fired" would read as "nothing written" after it sent the whole
// request.
type unsent struct {
	conn  atomic.Bool // GotConn fired: a connection was there to write on
	wrote atomic.Bool // a header was written
}

// trace returns ctx with hooks that record what the attempt got to.
func (u *unsent) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:          func(httptrace.GotConnInfo) { u.conn.Store(true) },
		WroteHeaderField: func(string, []string) { u.wrote.Store(true) },
		WroteHeaders:     func() { u.wrote.Store(true) },
	})
}

// proven reports whether the attempt that failed with err wrote nothing.
func (u *unsent) proven(err error) bool {
	return !u.conn.Load() && !u.wrote.Load() && isDialError(err)
}

// isDialError reports whether err is a failure to reach the server at all:
// a name that did not resolve, or a connection that was not made.
func isDialError(err error) bool {
	if dns := (*net.DNSError)(nil); errors.As(err, &dns) {
		return true
	}
	op := (*net.OpError)(nil)
	return errors.As(err, &op) && op.Op == "dial"
}
