// Package endctx provides [Ctx], a context whose end its owner decides: the
// values of a parent, a deadline, and no registration with the parent's
// cancellation. The token cache's fills and redisstore's bounded calls use
// one each, kept inside an allocation they make anyway, so that a fill or a
// call allocates no context of its own: the owner, which watches whatever
// should end the work (the parent's end, a deadline, a Close), ends it.
package endctx

import (
	"context"
	"sync"
	"time"
)

// Ctx is a [context.Context] ended by [Ctx.End]. Its zero value is not
// ready: [Ctx.Start] it first. Its Done channel is made when first asked
// for, and contexts derived from it register with [Ctx.AfterFunc] instead
// of starting a goroutine each to watch it.
type Ctx struct {
	parent   context.Context // its values, and its deadline if deadline is zero
	deadline time.Time

	mu     sync.Mutex
	done   chan struct{}
	err    error
	afters []*afterFunc // registered by AfterFunc
}

type afterFunc struct{ f func() }

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Start makes x a context with parent's values and deadline, or with
// deadline if it is not zero. It does not watch parent's end: x ends only
// by End. x must not be in use.
func (x *Ctx) Start(parent context.Context, deadline time.Time) {
	x.parent, x.deadline = parent, deadline
}

// Parent returns the parent given to Start.
func (x *Ctx) Parent() context.Context { return x.parent }

// Deadline returns Start's deadline, or else the parent's.
func (x *Ctx) Deadline() (time.Time, bool) {
	if !x.deadline.IsZero() {
		return x.deadline, true
	}
	return x.parent.Deadline()
}

// Done returns a channel closed by End.
func (x *Ctx) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == nil {
		if x.err != nil {
			return closedChan
		}
		x.done = make(chan struct{})
	}
	return x.done
}

// Err returns the error End was given, nil before.
func (x *Ctx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// Value returns the parent's value for key. So [context.Cause] of x is the
// cause of the nearest of the context package's own cancellable contexts
// above it, if there is one, else x's Err.
func (x *Ctx) Value(key any) any { return x.parent.Value(key) }

func (x *Ctx) String() string { return "endctx.Ctx" }

// AfterFunc runs f in its own goroutine once x ends, at once if it has,
// and returns a function that stops the call if it has not started. The
// context package uses it for contexts derived from x.
func (x *Ctx) AfterFunc(f func()) (stop func() bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err != nil {
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	x.afters = append(x.afters, a)
	return func() bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		for i, b := range x.afters {
			if b == a {
				x.afters = append(x.afters[:i], x.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}

// End ends x with err (not nil). Only the first End counts.
func (x *Ctx) End(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err != nil {
		return
	}
	x.err = err
	if x.done != nil {
		close(x.done)
	}
	for _, a := range x.afters {
		go a.f()
	}
	x.afters = nil
}
