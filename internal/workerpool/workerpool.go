// Package workerpool runs jobs on goroutines kept for the next job rather
// than started for each: the token cache's fills and the Redis store's
// bounded calls. A job is handed to a worker waiting for one, or to a new
// one when none waits, so jobs start at once and as many run together as
// are handed in: none ever waits for a worker. A program handing in jobs
// one after another, or a few at a time, starts no goroutine per job.
//
// The pool follows the load: one timer (the reaper), armed while workers
// wait, ends every Idle as many workers as never stopped waiting since its
// last run, so that the workers a burst started do not stay, and a pool
// dropped without [Pool.EndIdle] is not kept alive by them for long. At
// most MaxIdle wait at once.
package workerpool

import (
	"context"
	"runtime/pprof"
	"sync/atomic"
	"time"
)

// Pool runs *T jobs with its run function. Set it up with [Pool.Init]
// before first use; it must not be copied after.
type Pool[T any] struct {
	run     func(*T)
	maxIdle int32
	idle    time.Duration

	jobs    chan job[T]  // unbuffered: a send succeeds only to a waiting worker; a nil job ends it
	waiting atomic.Int32 // workers waiting, approximately
	low     atomic.Int32 // the fewest waiting since the reaper's last run
	reaping atomic.Bool  // the reaper is armed

	ended func() // tests: called as a worker ends
}

// job is one job and the ctx whose profiler labels it runs with.
type job[T any] struct {
	ctx context.Context
	j   *T
}

// Init sets p up to run jobs with run, keeping at most maxIdle workers
// waiting, each for about idle to two idles once unused.
func (p *Pool[T]) Init(run func(*T), maxIdle int32, idle time.Duration) {
	p.run, p.maxIdle, p.idle = run, maxIdle, idle
	p.jobs = make(chan job[T])
}

// Go runs j on a waiting worker, or on a new one, with the profiler labels
// of ctx (see runtime/pprof.Do), as a goroutine started by its caller
// would have.
func (p *Pool[T]) Go(ctx context.Context, j *T) {
	select {
	case p.jobs <- job[T]{ctx, j}:
	default:
		go p.work(job[T]{ctx, j})
	}
}

// work runs j, then the jobs handed to it, until it is handed a nil job (by
// the reaper or EndIdle) or enough other workers wait.
func (p *Pool[T]) work(j job[T]) {
	if p.ended != nil {
		defer p.ended()
	}
	for j.j != nil {
		pprof.SetGoroutineLabels(j.ctx)
		p.run(j.j)
		if p.waiting.Add(1) > p.maxIdle {
			p.waiting.Add(-1)
			return
		}
		if !p.reaping.Load() && p.reaping.CompareAndSwap(false, true) {
			time.AfterFunc(p.idle, p.reap)
		}
		j = <-p.jobs
		n := p.waiting.Add(-1)
		for m := p.low.Load(); n < m && !p.low.CompareAndSwap(m, n); m = p.low.Load() {
		}
	}
}

// reap ends the workers that waited all along since its last run, and runs
// again Idle later while any wait.
func (p *Pool[T]) reap() {
	surplus := p.low.Swap(p.waiting.Load())
	for ; surplus > 0; surplus-- {
		select {
		case p.jobs <- job[T]{}:
		default:
			surplus = 0
		}
	}
	p.reaping.Store(false)
	if p.waiting.Load() > 0 && p.reaping.CompareAndSwap(false, true) {
		time.AfterFunc(p.idle, p.reap)
	}
}

// EndIdle ends the workers waiting now; those busy end at the reaper's
// next runs.
func (p *Pool[T]) EndIdle() {
	for {
		select {
		case p.jobs <- job[T]{}:
		default:
			return
		}
	}
}
