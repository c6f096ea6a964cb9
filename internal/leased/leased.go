// Package leased bounds the writes a lease's holder makes — package web's
// session refresh lease, package tokencache's key lease: a write of what
// was obtained under a lease (a rotated refresh token) ends Guard before
// the lease runs out, so that it never lands after another holder may
// have taken the lease and read the older value.
package leased

import (
	"context"
	"time"
)

// Guard is how long before its lease runs out a holder's write must end.
const Guard = time.Second

// Write returns ctx with a deadline timeout away, or Guard before until
// (when the lease runs out at the latest) if that is sooner.
func Write(ctx context.Context, until time.Time, timeout time.Duration) (context.Context, context.CancelFunc) {
	end := until.Add(-Guard)
	if d := time.Now().Add(timeout); d.Before(end) {
		end = d
	}
	return context.WithDeadline(ctx, end)
}

// Left reports whether a write started after waiting wait can still end
// Guard before until.
func Left(until time.Time, wait time.Duration) bool {
	return time.Until(until)-Guard >= wait
}
