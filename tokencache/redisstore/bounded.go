package redisstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/endctx"
	"github.com/seed-e8f4a5f7/oauthkit/internal/workerpool"
)

// Every Redis call of this package is bounded by the caller's ctx and the
// Store's timeout. A go-redis client honours a ctx's deadline only with
// ContextTimeoutEnabled; otherwise a call waits out the client's own read
// timeout (seconds). So the call runs on a worker goroutine while the caller
// waits for it, for its ctx or for the timeout, whichever comes first; a
// call the caller stopped waiting for is left to finish on its worker, with
// its ctx cancelled (which ends a wait for a pool connection or a dial).
//
// The workers are kept (internal/workerpool, as tokencache's fill workers
// are) rather than started for each call: a new goroutine cost the L2 hit
// (issue 24) more than the closures, channel and timer it was handed, since
// its stack grew again through go-redis on every call. A worker waiting for
// a call ends after workerIdle or so unused; at most maxIdleWorkers wait at
// once.
const (
	maxIdleWorkers = 256
	workerIdle     = time.Second
)

// workers runs the package's calls, whatever the Store.
var workers = func() *workerpool.Pool[job] {
	p := new(workerpool.Pool[job])
	p.Init(runJob, maxIdleWorkers, workerIdle)
	return p
}()

// runJob is the workers' job: j's task, then its end.
func runJob(j *job) {
	j.task.run(j.ctx)
	j.finish()
}

// A task is one Redis call, run by a worker with the ctx its job gives it.
type task interface{ run(ctx context.Context) }

// job is one bounded call: a task, the ctx it runs with, and what tells
// the caller it returned. Jobs are pooled: a job's caller releases it once
// the task returned in time, the worker when the caller left first.
type job struct {
	ctx   context.Context // the task's: the caller's ctx, cancelled when the caller stops waiting
	task  task
	state atomic.Uint32 // jobRunning, then jobReturned (by the worker) or jobAbandoned (by the caller)
	done  chan struct{} // 1-buffered: the worker's word that task returned in time
	timer *time.Timer   // the caller's timeout; stopped between jobs

	get getRange // Get's task, kept here so that a hit allocates none
}

const (
	jobRunning = iota
	jobReturned
	jobAbandoned
)

var jobs = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &job{done: make(chan struct{}, 1), timer: t}
}}

// newJob returns a pooled job for t (nil: the job's own getRange).
func newJob(t task) *job {
	j := jobs.Get().(*job)
	j.task = t
	if t == nil {
		j.task = &j.get
	}
	return j
}

// release returns j to the pool; its task may not be used after.
func (j *job) release() {
	j.ctx, j.task, j.get = nil, nil, getRange{}
	jobs.Put(j)
}

// bounded runs j's task on a worker and waits until it returns, ctx ends
// or timeout passes, whichever is first. On nil the task returned in time
// and j is the caller's to read and release. Else the error is ctx's or
// [context.DeadlineExceeded], and j belongs to its worker, which releases
// it once the task returns (or was released already, when ctx had ended
// before the call and the task never ran): the caller may not touch j
// again.
//
// The task's ctx has the caller's values and deadline, and ends when the
// caller stops waiting (or once the task returned). With cctx nil it is a
// [context.WithTimeout] of the caller's ctx, whose deadline a client with
// ContextTimeoutEnabled sets on its connection. A client without it reads
// no deadline from a ctx: for its calls the end, at the same moment, is all
// a deadline would do, and cctx, not yet started and part of an allocation
// the caller makes anyway, is the task's ctx, for no allocation but its Done
// channel's. It ends as a [context.WithCancel] of the caller's ctx would:
// with that ctx's error if it has ended (at once if it had when the call
// began), else with [context.Canceled]; it registers nothing with that ctx,
// which the caller, waiting, watches itself.
func bounded(ctx context.Context, timeout time.Duration, j *job, cctx *endctx.Ctx) error {
	var end func()
	if cctx == nil {
		j.ctx, end = context.WithTimeout(ctx, timeout)
	} else {
		cctx.Start(ctx, time.Time{})
		end = func() {
			err := ctx.Err()
			if err == nil {
				err = context.Canceled
			}
			cctx.End(err)
		}
		if ctx.Done() != nil && ctx.Err() != nil {
			end()
		}
		j.ctx = cctx
	}
	if err := ctx.Err(); err != nil {
		// Ended before the call: nothing is sent. (Handed to a worker, the
		// call could return before the caller saw ctx's end, and stand.)
		end()
		j.release()
		return err
	}
	j.state.Store(jobRunning)
	j.timer.Reset(timeout)
	workers.Go(j.ctx, j)
	var err error
	select {
	case <-j.done:
	case <-ctx.Done():
		err = ctx.Err()
	case <-j.timer.C:
		err = context.DeadlineExceeded
	}
	j.timer.Stop() // no stale tick after Stop (Go 1.23 timers)
	if err != nil && !j.state.CompareAndSwap(jobRunning, jobAbandoned) {
		<-j.done // the task returned meanwhile: its outcome stands
		err = nil
	}
	end()
	return err
}

// finish is the worker's end of j, once its task returned.
func (j *job) finish() {
	if j.state.CompareAndSwap(jobRunning, jobReturned) {
		j.done <- struct{}{} // never blocks: from here on j is the caller's
		return
	}
	j.release() // the caller left: nobody else holds j
}

// call runs f with ctx bounded by timeout and returns when f does or the
// bound ends, whichever is first (see bounded). f's ctx has the timeout's
// deadline, whatever the client.
func call[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	t := &funcTask[T]{f: f}
	j := newJob(t)
	if err := bounded(ctx, timeout, j, nil); err != nil {
		var zero T
		return zero, err
	}
	v, err := t.v, t.err
	j.release()
	return v, err
}

// funcTask is call's task.
type funcTask[T any] struct {
	f   func(context.Context) (T, error)
	v   T
	err error
}

func (t *funcTask[T]) run(ctx context.Context) { t.v, t.err = t.f(ctx) }
