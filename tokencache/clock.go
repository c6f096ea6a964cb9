package tokencache

import "time"

// Clock is the cache's source of time. Its timer (one per cache, for the
// earliest deadline of all keys) moves entries from fresh to stale to
// expired, so the hot path never reads the clock.
//
// The zero Config uses the system clock. Tests use a fake one, such as
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest.Clock], and
// advance it instead of sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or, for a fake clock, in the
	// goroutine advancing it) once d has elapsed, and returns a function that
	// cancels the call, like [time.AfterFunc] and [context.AfterFunc]. The
	// stop function reports whether it prevented f from running.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// systemClock is the default Clock: [time.Now] and [time.AfterFunc].
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
