package tokencache

import (
	"context"
	"sync"
	"time"
)

// fetchCtx is a fill's context: the values of the caller that started it
// without that caller's cancellation (as [context.WithoutCancel]), a
// deadline [Config.FetchTimeout] away, and an end the cache decides: at the
// deadline (the cache's one fetch timer, see [Cache.expireFills]), on
// [Cache.Close], or once the fill returned. It is part of the fill's call,
// so that a fill allocates no context and no timer of its own; its Done
// channel is made when first asked for.
type fetchCtx struct {
	parent   context.Context
	deadline time.Time

	mu     sync.Mutex
	done   chan struct{}
	err    error
	afters []*afterFunc // registered by AfterFunc (children of the ctx)
}

type afterFunc struct{ f func() }

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

func (x *fetchCtx) Deadline() (time.Time, bool) { return x.deadline, true }

func (x *fetchCtx) Done() <-chan struct{} {
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

func (x *fetchCtx) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

func (x *fetchCtx) Value(key any) any { return x.parent.Value(key) }

func (x *fetchCtx) String() string { return "tokencache.fetchCtx" }

// AfterFunc runs f in its own goroutine once the ctx ends. The context
// package uses it for contexts derived from this one (an HTTP request's),
// which thus need no goroutine each to watch it.
func (x *fetchCtx) AfterFunc(f func()) (stop func() bool) {
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

// end ends the ctx with err, if it has not ended yet.
func (x *fetchCtx) end(err error) {
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

// detach returns ctx's values without its cancellation. A ctx that is never
// cancelled is kept as is, saving an allocation per fill; one that is gets
// [context.WithoutCancel], which also hides its cancellation from
// [context.Cause].
func detach(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
