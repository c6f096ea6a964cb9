package workerpool

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

const waitLimit = 10 * time.Second

// newPool returns a pool running jobs that wait for their channel, and a
// channel that gets a value each time a worker ends.
func newPool(maxIdle int32, idle time.Duration) (*Pool[chan struct{}], chan struct{}) {
	ended := make(chan struct{}, 1024)
	p := &Pool[chan struct{}]{ended: func() { ended <- struct{}{} }}
	p.Init(func(release *chan struct{}) { <-*release }, maxIdle, idle)
	return p, ended
}

// burst runs n jobs at once on p and returns once all have run.
func burst(p *Pool[chan struct{}], n int) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range n {
		wg.Add(1)
		ch := make(chan struct{})
		p.Go(context.Background(), &ch)
		go func() {
			defer wg.Done()
			<-release
			close(ch)
		}()
	}
	close(release)
	wg.Wait()
}

// waitEnded waits until n workers have ended.
func waitEnded(t *testing.T, ended chan struct{}, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-ended:
		case <-time.After(waitLimit):
			t.Fatalf("%d of %d workers ended", i, n)
		}
	}
}

// TestWorkersEndWhenIdle: the workers a burst of jobs left waiting end
// once unused for an idle period or two, and none is left waiting.
func TestWorkersEndWhenIdle(t *testing.T) {
	p, ended := newPool(1024, 10*time.Millisecond)
	burst(p, 20) // 20 jobs at once: 20 workers
	waitEnded(t, ended, 20)
	assert.Zero(t, p.waiting.Load())
}

// TestAtMostMaxIdleWait: past MaxIdle, a worker whose job is done ends at
// once rather than wait.
func TestAtMostMaxIdleWait(t *testing.T) {
	p, ended := newPool(3, time.Hour)
	burst(p, 10)
	waitEnded(t, ended, 7)
	assert.EqualValues(t, 3, p.waiting.Load())
	p.EndIdle()
	waitEnded(t, ended, 3)
}
