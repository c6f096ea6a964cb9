package tokencache

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/endctx"
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
// Once the fill is over, its entry keeps it as the record of its failures
// while there are any (see [entry.fill]).
type call struct {
	key   string        // the entry's
	ctx   endctx.Ctx    // the fetch's (see start)
	done  chan struct{} // closed once the fill is over, or when ctx ended before the fetch returned
	tok   *oauth2.Token
	err   error
	state atomic.Uint32 // callRunning, then callReturned or callReleased
	user  *string       // TokenChange.User: ForUser of the source that started it
	prev  *oauth2.Token // entry's token when the fill started
	e     *entry        // the entry it fills
	fetch renew         // what obtains its token

	older, younger *call // neighbours in the cache's list of fills in flight (c.mu)

	// Under the entry's mu:
	failErr     error // the last error, while there is no valid token
	retryAt     int64 // after a failure: no new fill before then
	failures    int32 // consecutive failed fills, this one's predecessors' included
	ahead       bool  // started on a stale token
	queued      bool  // in the list of fills in flight (c.mu)
	invalidated bool  // Invalidate was called while it ran
	over        bool  // the fill is over: the entry keeps it only as a record
}

const (
	callRunning  = iota // the fetch (and Store access) has not returned
	callReturned        // it returned in time: done closes once its outcome is stored
	callReleased        // its ctx ended first: done is closed, tok and err are set
)

// wait returns cl's outcome once the fill is done, or ctx's error when ctx
// ends first. It also returns when the fetch's own ctx ends before the fetch
// returned, with that ctx's error: a fetch function that ignores its ctx
// holds up no caller past [Config.FetchTimeout] or [Cache.Close]. (Such a
// fetch still holds its key: no other fetch starts for it until it returns,
// so that a refresh token is never sent twice.)
func (cl *call) wait(ctx context.Context) (*oauth2.Token, error) {
	if ctx.Done() == nil { // never cancelled: a plain receive is cheaper than a select
		<-cl.done
		return cl.tok, cl.err
	}
	select {
	case <-cl.done:
		return cl.tok, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// end ends cl's fetch ctx with err (at its deadline, or on Close) and, if
// the fetch has not returned yet, releases the waiters with that error.
func (cl *call) end(err error) {
	cl.ctx.End(err)
	if cl.state.CompareAndSwap(callRunning, callReleased) {
		cl.err = fmt.Errorf("tokencache: fetch: %w", err)
		close(cl.done)
	}
}

// result is what obtain produced.
type result struct {
	tok       *oauth2.Token
	plan      plan
	fromStore bool
	err       error
	at        time.Time // when fetchToken checked tok; zero if it did not
}

// start begins filling e with fetch on one of the cache's fill workers (see
// maxIdleWorkers), with a context carrying ctx's values, for user (see
// [TokenChange.User]). e.mu must be held.
func (c *Cache) start(ctx context.Context, e *entry, key string, fetch renew, user *string) (*call, error) {
	// Detached from the caller that happened to start it, so that its
	// cancellation does not fail the others; values (trace IDs) are kept.
	cl := &call{key: key, done: make(chan struct{}), user: user, prev: e.held()}
	if f := e.fill; f != nil { // the record of the failures before
		cl.failErr, cl.retryAt, cl.failures = f.failErr, f.retryAt, f.failures
	}
	// The fetch's ctx: the caller's values, a deadline FetchTimeout away
	// (real time, whatever the Clock), and an end the cache decides: at the
	// deadline (its one fetch timer, see expireFills), on Close, or once the
	// fill returned. Part of the call, so that a fill allocates no context
	// and no timer of its own.
	cl.ctx.Start(detach(ctx), time.Now().Add(c.fetchTimeout))
	cl.e, cl.fetch = e, fetch
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.enqueue(cl)
	c.fills.Add(1)
	c.mu.Unlock()

	if e.phase() == phaseStale {
		// Keep serving the stale token without kicking more refreshes; the
		// timer armed for its expiry stays.
		cl.ahead = true
		e.setPhase(phaseFresh)
		c.table.publish(e)
	}
	c.wake(e)
	e.fill = cl
	// With the labels of the caller that started it, as a goroutine of
	// its own would have.
	c.workers.Go(cl.ctx.Parent(), cl)
	return cl, nil
}

// Fills run on the cache's workers (see internal/workerpool): a fill is
// handed to a worker waiting for one, or to a new one when none waits, so
// fills run at once, as many at a time as there are keys being filled, and
// a cache filling keys one after another or a few at a time (a service
// whose tenants' tokens keep turning stale) starts no goroutine per key. At
// most maxIdleWorkers wait; those a burst started end once unused for
// workerIdle or so.
const (
	maxIdleWorkers = 1024
	workerIdle     = time.Second
)

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

// runFill is the workers' job: cl's fill.
func (c *Cache) runFill(cl *call) { c.fill(cl.e, cl, cl.fetch) }

// enqueue appends cl to the fills in flight and arms the fetch timer if cl
// is the only one: fills share one FetchTimeout, so the list is in deadline
// order and the timer, once armed, is never later than the oldest deadline
// (expireFills moves it forward). c.mu must be held.
func (c *Cache) enqueue(cl *call) {
	cl.queued = true
	if c.newest == nil {
		c.oldest, c.newest = cl, cl
		// A timer still armed for an earlier fill's deadline stays: when it
		// fires, expireFills moves it to cl's. Fills one after another thus
		// reset it once per FetchTimeout, not once each.
		switch {
		case c.fetchTimer == nil:
			c.fetchTimer = time.AfterFunc(c.fetchTimeout, c.expireFills)
		case !c.fetchArmed:
			c.fetchTimer.Reset(c.fetchTimeout)
		}
		c.fetchArmed = true
		return
	}
	cl.older = c.newest
	c.newest.younger = cl
	c.newest = cl
}

// unqueue removes cl from the fills in flight. c.mu must be held.
func (c *Cache) unqueue(cl *call) {
	if !cl.queued {
		return
	}
	cl.queued = false
	if cl.older != nil {
		cl.older.younger = cl.younger
	} else {
		c.oldest = cl.younger
	}
	if cl.younger != nil {
		cl.younger.older = cl.older
	} else {
		c.newest = cl.older
	}
	cl.older, cl.younger = nil, nil
}

// expireFills is the fetch timer's function: it ends the fills whose
// deadline passed, releasing their waiters, and re-arms the timer for the
// next deadline.
func (c *Cache) expireFills() {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for cl := c.oldest; cl != nil; cl = c.oldest {
		deadline, _ := cl.ctx.Deadline()
		if d := deadline.Sub(now); d > 0 {
			if !c.closed {
				c.fetchTimer.Reset(d)
			}
			return
		}
		c.unqueue(cl)
		cl.end(context.DeadlineExceeded)
	}
	c.fetchArmed = false
}

// fill runs one fill: obtain a token, store it in e (or record the failure),
// report it, then release the waiters.
func (c *Cache) fill(e *entry, cl *call, fetch renew) {
	defer c.fills.Done()
	ctx := &cl.ctx
	defer func() {
		c.mu.Lock()
		c.unqueue(cl)
		c.mu.Unlock()
		ctx.End(context.Canceled)
	}()

	var began time.Time
	if _, ok := c.clock.(systemClock); ok {
		deadline, _ := cl.ctx.Deadline()
		began = deadline.Add(-c.fetchTimeout) // start's reading: a clock read less per fill
	} else {
		began = c.clock.Now()
	}
	var r result // with a Store through it (see obtainShared), else from fetch
	if c.store != nil {
		r = c.obtainShared(ctx, cl.key, cl.prev, fetch)
	} else {
		r = c.fetchToken(ctx, cl.prev, fetch, true)
	}
	inTime := cl.state.CompareAndSwap(callRunning, callReturned)
	c.finish(e, cl, &r, began)
	cl.e, cl.fetch = nil, renew{} // waiters may keep cl: let e go
	// Unless in time, the waiters were released with the ctx's error.
	if inTime {
		cl.tok, cl.err = r.tok, r.err
		close(cl.done)
	}
}

// finish stores what fill obtained in e (or records the failure) and
// reports it. Apart from fill, so that a new worker's stack is still small
// when it calls the fetch: a fill then costs no stack growth of its own.
func (c *Cache) finish(e *entry, cl *call, r *result, began time.Time) {
	now := r.at // without a Store nothing happened since, but storing the token
	if now.IsZero() || c.store != nil {
		now = c.clock.Now()
	}
	ev := RefreshEvent{Key: cl.key, Ahead: cl.ahead, FromStore: r.fromStore, Duration: now.Sub(began), Err: r.err}

	e.mu.Lock()
	old := e.held()
	// A token read from the Store before an Invalidate may be the one
	// invalidated: hand it to this fill's waiters, but do not keep it.
	keep := r.err == nil && !e.dead() && !(r.fromStore && cl.invalidated)
	switch {
	case keep:
		c.hold(e, r.tok, r.plan)
		cl.failErr, cl.failures, cl.retryAt = nil, 0, 0
		ev.Expiry = r.tok.Expiry
	case r.err != nil:
		cl.failures++
		if e.valid(c.at(now)) {
			ev.RetryIn = backoff(int(cl.failures), retryBase, retryMax, c.policy.rand())
		} else {
			cl.failErr = r.err
			ev.RetryIn = backoff(int(cl.failures), holdBase, holdMax, c.policy.rand())
		}
		cl.retryAt = c.at(now.Add(ev.RetryIn))
	}
	ev.Failures = int(cl.failures)
	tokenHook := keep && c.onTokenChange != nil && changed(old, r.tok)
	hooked := tokenHook || r.err != nil
	if !hooked {
		c.over(e, cl) // one settle does
	}
	if !e.dead() {
		c.settle(e, now) // publishes the new token at once; e.fill, if still cl, keeps others from fetching
	}
	e.mu.Unlock()

	if hooked {
		// Hooks for one key never overlap: e.fill is still cl, so no other
		// fill of e can start until over marks it over below.
		if tokenHook {
			ch := TokenChange{Key: cl.key, Old: old, New: r.tok}
			if cl.user != nil {
				ch.User = *cl.user
			}
			c.onTokenChange(ch)
		}
		if r.err != nil {
			c.reportError(cl.key, r.err)
		}
		e.mu.Lock()
		c.over(e, cl)
		if !e.dead() {
			c.settle(e, c.clock.Now()) // time may have passed in a hook
		}
		e.mu.Unlock()
	}
	c.obs.fill(&cl.ctx, ev)
	if c.onRefresh != nil {
		c.onRefresh(ev) // last, once e is settled: tests wait for it
	}
}

// over marks cl's fill of e over: e keeps cl only as its record of failures,
// if there are any. e.mu must be held.
func (c *Cache) over(e *entry, cl *call) {
	cl.over = true
	if e.fill == cl && cl.failures == 0 {
		e.fill = nil
	}
}

// fetchToken calls fetch and checks the token it returns. send is false
// when fetch may not send a single-use secret (see [renew]); it then fails
// with errNotSent where it would have.
func (c *Cache) fetchToken(ctx context.Context, prev *oauth2.Token, fetch renew, send bool) result {
	tok, err := safeFetch(ctx, fetch, prev, send)
	switch {
	case errors.Is(err, errNotSent):
		return result{err: err}
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
	return result{tok: tok, plan: c.policy.plan(tok, now), at: now}
}

var (
	errNoToken       = errors.New("tokencache: fetch returned no token and no error")
	errNoAccessToken = errors.New("tokencache: fetch returned a token without an access token")
)

// safeFetch calls fetch, turning a panic into an error: fetch runs in a
// goroutine of its own, where a panic would end the program.
func safeFetch(ctx context.Context, fetch renew, prev *oauth2.Token, send bool) (tok *oauth2.Token, err error) {
	defer func() {
		if v := recover(); v != nil {
			tok, err = nil, fmt.Errorf("panic: %v", v)
		}
	}()
	return fetch.call(ctx, prev, send)
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
