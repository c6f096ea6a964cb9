// Package lazy holds a value fetched on first use — a discovery document, a
// key set — with the guarantees every such fetch needs here: one fetch at a
// time however many callers wait, each caller free to stop waiting when its
// context ends, and a failure never kept, so the next caller tries again.
package lazy

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Value is a lazily fetched T. The zero Value is not usable; set Fetch.
type Value[T any] struct {
	// Fetch gets the value. It runs detached from any one caller's
	// cancellation (with the first caller's context values), bounded by
	// Timeout.
	Fetch   func(ctx context.Context) (T, error)
	Timeout time.Duration // zero: 30s

	val  atomic.Pointer[T]
	mu   sync.Mutex
	call *call[T]
}

type call[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// Get returns the value, fetching it if no fetch has succeeded yet. With a
// ctx that has ended, it returns the value if it has one, else ctx's error
// without starting a fetch.
func (l *Value[T]) Get(ctx context.Context) (T, error) {
	if v := l.val.Load(); v != nil {
		return *v, nil
	}
	// A ctx that has already ended gets its error, always: without this
	// check, a fetch finished before the select below left it to chance.
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	l.mu.Lock()
	if v := l.val.Load(); v != nil {
		l.mu.Unlock()
		return *v, nil
	}
	c := l.call
	if c == nil {
		c = &call[T]{done: make(chan struct{})}
		l.call = c
		go l.run(context.WithoutCancel(ctx), c)
	}
	l.mu.Unlock()

	select {
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	case <-c.done:
		return c.v, c.err
	}
}

func (l *Value[T]) run(ctx context.Context, c *call[T]) {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c.v, c.err = l.Fetch(ctx)

	l.mu.Lock()
	if c.err == nil {
		l.val.Store(&c.v)
	}
	l.call = nil
	l.mu.Unlock()
	close(c.done)
}
