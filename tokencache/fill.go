package tokencache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// RefreshEvent describes one attempt to fill a key, for [Config.OnRefresh].
type RefreshEvent struct {
	Key string
	// Ahead is true for a refresh that started while the old token was
	// still valid (stale): callers were served the old token meanwhile.
	Ahead bool
	// FromStore is true when the token came from [Config.Store] rather than
	// from a fetch.
	FromStore bool
	// Duration is how long the attempt took, by [Config.Clock].
	Duration time.Duration
	// Expiry is the new token's expiry; zero when it has none or on error.
	Expiry time.Time
	// Err is the error of a failed attempt.
	Err error
	// Failures counts consecutive failed attempts for Key, this one
	// included; zero after a success.
	Failures int
	// RetryIn is, after a failure, how long the key waits before the next
	// attempt: the retry backoff while the old token is still served, or how
	// long callers are handed Err.
	RetryIn time.Duration
}

// call is one fill in flight; waiters block on done, then read tok and err.
type call struct {
	done     chan struct{}
	tok      *oauth2.Token
	err      error
	gen      uint64          // entry.gen when the fill started
	user     *string         // TokenChange.User: ForUser of the source that started it
	ahead    bool            // started on a stale token
	prev     *oauth2.Token   // entry's token when the fill started
	fetchCtx context.Context // the fetch's: ends at FetchTimeout or Close
	returned chan struct{}   // closed once the fetch (and Store access) returned
}

// wait returns cl's outcome once the fill is done, or ctx's error when ctx
// ends first. It also returns when the fetch's own ctx ends before the fetch
// returned, with that ctx's error: a fetch function that ignores its ctx
// holds up no caller past [Config.FetchTimeout] or [Cache.Close]. (Such a
// fetch still holds its key: no other fetch starts for it until it returns,
// so that a refresh token is never sent twice.)
func (cl *call) wait(ctx context.Context) (*oauth2.Token, error) {
	select {
	case <-cl.done:
		return cl.tok, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-cl.fetchCtx.Done():
	}
	select {
	case <-cl.returned: // in time: its outcome is being stored
	default:
		return nil, fmt.Errorf("tokencache: fetch: %w", cl.fetchCtx.Err())
	}
	select {
	case <-cl.done:
		return cl.tok, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// result is what obtain produced.
type result struct {
	tok       *oauth2.Token
	plan      plan
	fromStore bool
	err       error
}

// start begins filling e with fetch in a new goroutine, with a context
// derived from ctx, for user (see [TokenChange.User]). e.mu must be held.
func (c *Cache) start(ctx context.Context, e *entry, fetch renew, user *string) (*call, error) {
	// Detached from the caller that happened to start it, so that its
	// cancellation does not fail the others; values (trace IDs) are kept.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.fetchTimeout)
	cl := &call{done: make(chan struct{}), returned: make(chan struct{}), gen: e.gen(), user: user, prev: e.held(), fetchCtx: ctx}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return nil, ErrClosed
	}
	c.inflight[cl] = cancel
	c.fills.Add(1)
	c.mu.Unlock()

	if e.phase.Load() == phaseStale {
		// Keep serving the stale token without kicking more refreshes; the
		// timer armed for its expiry stays.
		cl.ahead = true
		e.phase.Store(phaseFresh)
	}
	e.call = cl
	go c.fill(ctx, e, cl, fetch)
	return cl, nil
}

// fill runs one fill: obtain a token, store it in e (or record the failure),
// report it, then release the waiters.
func (c *Cache) fill(ctx context.Context, e *entry, cl *call, fetch renew) {
	defer c.fills.Done()
	defer func() {
		c.mu.Lock()
		cancel := c.inflight[cl]
		delete(c.inflight, cl)
		c.mu.Unlock()
		cancel()
	}()

	began := c.clock.Now()
	r := c.obtain(ctx, e.key, cl.prev, fetch)
	close(cl.returned)
	now := c.clock.Now()
	ev := RefreshEvent{Key: e.key, Ahead: cl.ahead, FromStore: r.fromStore, Duration: now.Sub(began), Err: r.err}

	e.mu.Lock()
	old := e.held()
	// A token read from the Store before an Invalidate may be the one
	// invalidated: hand it to this fill's waiters, but do not keep it.
	keep := r.err == nil && !e.dead.Load() && !(r.fromStore && cl.gen != e.gen())
	switch {
	case keep:
		c.hold(e, r.tok, r.plan)
		if x := e.x; x != nil {
			x.err, x.failures, x.retryAt = nil, 0, 0
		}
		ev.Expiry = r.tok.Expiry
	case r.err != nil:
		x := e.ext()
		x.failures++
		if e.valid(c.at(now)) {
			ev.RetryIn = backoff(x.failures, retryBase, retryMax, c.policy.rand())
		} else {
			x.err = r.err
			ev.RetryIn = backoff(x.failures, holdBase, holdMax, c.policy.rand())
		}
		x.retryAt = c.at(now.Add(ev.RetryIn))
	}
	ev.Failures = e.failures()
	if !e.dead.Load() {
		c.settle(e, now) // publishes the new token at once; e.call keeps others from fetching
	}
	e.mu.Unlock()

	// Hooks for one key never overlap: e.call is still set, so no other fill
	// of e can start until it is cleared below.
	if keep && c.onTokenChange != nil && changed(old, r.tok) {
		ch := TokenChange{Key: e.key, Old: old, New: r.tok}
		if cl.user != nil {
			ch.User = *cl.user
		}
		c.onTokenChange(ch)
	}
	if r.err != nil {
		c.reportError(e.key, r.err)
	}

	e.mu.Lock()
	e.call = nil
	if !e.dead.Load() {
		c.settle(e, c.clock.Now())
	}
	e.mu.Unlock()
	c.obs.fill(ctx, ev)
	if c.onRefresh != nil {
		c.onRefresh(ev) // last, once e is settled: tests wait for it
	}
	cl.tok, cl.err = r.tok, r.err
	close(cl.done)
}

// obtain gets a token for key: with a [Config.Store], through it (see
// obtainShared); without, from fetch.
func (c *Cache) obtain(ctx context.Context, key string, prev *oauth2.Token, fetch renew) result {
	if c.store != nil {
		return c.obtainShared(ctx, key, prev, fetch)
	}
	return c.fetchToken(ctx, prev, fetch)
}

// fetchToken calls fetch and checks the token it returns.
func (c *Cache) fetchToken(ctx context.Context, prev *oauth2.Token, fetch renew) result {
	tok, err := safeFetch(ctx, fetch, prev)
	switch {
	case err != nil:
		return result{err: fmt.Errorf("tokencache: fetch: %w", err)}
	case tok == nil:
		return result{err: errNoToken}
	case tok.AccessToken == "":
		return result{err: errNoAccessToken}
	}
	now := c.clock.Now()
	if !tok.Expiry.IsZero() && !now.Before(tok.Expiry) {
		return result{err: ErrExpiredToken}
	}
	return result{tok: tok, plan: c.policy.plan(tok, now)}
}

var (
	errNoToken       = errors.New("tokencache: fetch returned no token and no error")
	errNoAccessToken = errors.New("tokencache: fetch returned a token without an access token")
)

// safeFetch calls fetch, turning a panic into an error: fetch runs in a
// goroutine of its own, where a panic would end the program.
func safeFetch(ctx context.Context, fetch renew, prev *oauth2.Token) (tok *oauth2.Token, err error) {
	defer func() {
		if v := recover(); v != nil {
			tok, err = nil, fmt.Errorf("panic: %v", v)
		}
	}()
	return fetch(ctx, prev)
}

// newer reports whether tok, read from the Store, is a later token than
// prev, the one the cache holds (if any).
func newer(tok, prev *oauth2.Token) bool {
	return prev == nil || (tok.AccessToken != prev.AccessToken && tok.Expiry.After(prev.Expiry))
}

// changed reports whether replacing oldTok by newTok changes the credentials
// a key hands out.
func changed(oldTok, newTok *oauth2.Token) bool {
	return oldTok == nil || oldTok.AccessToken != newTok.AccessToken || oldTok.RefreshToken != newTok.RefreshToken
}
