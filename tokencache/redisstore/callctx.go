package redisstore

import (
	"context"
	"sync"
	"time"
)

// callCtx is the ctx of a call that bounded runs without a deadline (Get
// on a client without ContextTimeoutEnabled): the caller's values and
// deadline, and an end of its own, which bounded decides (when the caller
// stops waiting, at once when it sees the caller's ctx end, or once the
// call returned). It is part of the allocation
// each Get makes for its call (getRangeCall), never reused, and registers
// nothing with the caller's ctx: the caller, waiting for the call, watches
// that ctx itself and ends this one when it ends. So a call needs neither
// [context.WithCancel]'s two allocations nor, under a ctx that is not one
// of the context package's own (tokencache's fill ctx), the registration
// of a callback with it; its Done channel is made when first asked for.
//
// tokencache's fetchCtx (tokencache/fetchctx.go) is the same shape, for a
// fill.
type callCtx struct {
	parent context.Context // the caller's: its values and deadline

	mu     sync.Mutex
	done   chan struct{}
	err    error
	afters []*afterFunc // registered by AfterFunc (contexts derived from this one)
}

type afterFunc struct{ f func() }

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// begin makes x the ctx of a call under parent: ended already if parent
// has, as a context.WithCancel of it would be.
func (x *callCtx) begin(parent context.Context) {
	x.parent = parent
	if parent.Done() != nil && parent.Err() != nil {
		x.end()
	}
}

func (x *callCtx) Deadline() (time.Time, bool) { return x.parent.Deadline() }

func (x *callCtx) Done() <-chan struct{} {
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

func (x *callCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// Value is the caller's ctx's. So [context.Cause] of an ended callCtx is,
// as of a context.WithCancel of the caller's, the cause the caller's ctx
// ended with, or else its Err.
func (x *callCtx) Value(key any) any { return x.parent.Value(key) }

func (x *callCtx) String() string { return "redisstore.callCtx" }

// AfterFunc runs f in its own goroutine once the ctx ends. The context
// package uses it for contexts derived from this one, which thus need no
// goroutine each to watch it.
func (x *callCtx) AfterFunc(f func()) (stop func() bool) {
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

// end ends the ctx: with the caller's ctx's error if it has ended, else
// with [context.Canceled], as a context.WithCancel of it would. Only the
// first end counts.
func (x *callCtx) end() {
	err := x.parent.Err()
	if err == nil {
		err = context.Canceled
	}
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
