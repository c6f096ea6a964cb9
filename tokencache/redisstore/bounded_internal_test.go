package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/endctx"
)

// TestCallBounded: a call whose function does not return (a go-redis
// client without ContextTimeoutEnabled waiting out its read timeout) ends
// at the timeout or when the caller's ctx ends, whichever is first, and the
// function's ctx ends then, so that it stops waiting for a pool connection
// or a dial: with the timeout's deadline in it (call) or without (Get on
// such a client).
func TestCallBounded(t *testing.T) {
	for _, deadline := range []bool{true, false} {
		for _, tc := range []struct {
			name    string
			timeout time.Duration
			cancel  bool // the caller's ctx ends first
			want    error
		}{
			{"timeout", 20 * time.Millisecond, false, context.DeadlineExceeded},
			{"caller's ctx", time.Hour, true, context.Canceled},
		} {
			t.Run(fmt.Sprintf("%s/deadline=%v", tc.name, deadline), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				started, release, ended := make(chan struct{}), make(chan struct{}), make(chan error, 1)
				defer close(release)
				go func() {
					<-started
					if tc.cancel {
						cancel()
					}
				}()
				began := time.Now()
				j := newJob(&funcTask[int]{f: func(ctx context.Context) (int, error) {
					close(started)
					<-ctx.Done()
					ended <- ctx.Err()
					<-release // still busy after its ctx ended
					return 1, nil
				}})
				var cctx *endctx.Ctx // nil: a WithTimeout of ctx
				if !deadline {
					cctx = new(endctx.Ctx)
				}
				err := bounded(ctx, tc.timeout, j, cctx)
				require.ErrorIs(t, err, tc.want)
				assert.Less(t, time.Since(began), 10*time.Second, "the call ended at its bound")
				assert.Error(t, <-ended, "the function's ctx ends with the call")
			})
		}
	}
}

// TestCallOutcomesNeverCross: jobs and their workers are reused, also when
// a caller stops waiting just as its call returns; every caller gets its
// own call's outcome or its bound's error, never another's (run with
// -race).
func TestCallOutcomesNeverCross(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				want := g*1000 + i
				timeout := time.Hour
				if i%3 == 0 {
					timeout = time.Microsecond // races the call's return
				}
				v, err := call(context.Background(), timeout, func(context.Context) (int, error) { return want, nil })
				switch {
				case errors.Is(err, context.DeadlineExceeded):
				case err != nil:
					t.Errorf("call: %v", err)
				case v != want:
					t.Errorf("a caller got another call's outcome")
				}
			}
		}()
	}
	wg.Wait()
}

// TestCallCarriesDeadline: call's function gets the timeout's deadline in
// its ctx, which a client with ContextTimeoutEnabled sets on its
// connection, as it did when each call had a goroutine of its own.
func TestCallCarriesDeadline(t *testing.T) {
	began := time.Now()
	d, err := call(context.Background(), time.Minute, func(ctx context.Context) (time.Time, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return time.Time{}, errors.New("no deadline")
		}
		return d, nil
	})
	require.NoError(t, err)
	assert.WithinRange(t, d, began.Add(time.Minute), time.Now().Add(time.Minute))
}

// TestMaxValueDecimal: Get's GETRANGE reads maxValue bytes and one more.
func TestMaxValueDecimal(t *testing.T) {
	assert.Equal(t, strconv.Itoa(maxValue), maxValueDecimal)
}

// TestGetRangeCallSize: a Get's call fits the 240-byte size class, with
// the name of the default prefix in it.
func TestGetRangeCallSize(t *testing.T) {
	assert.Equal(t, uintptr(240), unsafe.Sizeof(getRangeCall{}))
	assert.LessOrEqual(t, len(DefaultPrefix)+nameLen, len(getRangeCall{}.buf))
}

// TestBoundedCallCtx: the ctx of a call of a client without
// ContextTimeoutEnabled has the caller's values and deadline, and ends as a
// context.WithCancel of the caller's ctx would: once the call returned,
// with Canceled; under a ctx that had ended before the call, at once, with
// that ctx's error and its cause.
func TestBoundedCallCtx(t *testing.T) {
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancel()
	var cctx endctx.Ctx
	j := newJob(&funcTask[int]{f: func(ctx context.Context) (int, error) {
		if ctx.Value(key{}) != "v" {
			return 0, errors.New("not the caller's values")
		}
		if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
			return 0, errors.New("not the caller's deadline")
		}
		if ctx.Err() != nil {
			return 0, errors.New("ended during the call")
		}
		return 1, nil
	}})
	require.NoError(t, bounded(parent, time.Hour, j, &cctx))
	<-cctx.Done()
	assert.ErrorIs(t, cctx.Err(), context.Canceled, "ended once the call returned")

	ended, end := context.WithCancelCause(context.Background())
	end(errors.New("a cause"))
	var late endctx.Ctx
	ran := make(chan error, 1)
	j = newJob(&funcTask[int]{f: func(ctx context.Context) (int, error) { ran <- ctx.Err(); return 1, nil }})
	err := bounded(ended, time.Hour, j, &late)
	require.ErrorIs(t, err, context.Canceled)
	<-late.Done()
	assert.ErrorIs(t, late.Err(), context.Canceled)
	assert.EqualError(t, context.Cause(&late), "a cause")
	select {
	case err := <-ran:
		assert.Error(t, err, "a call that runs at all sees its ctx ended")
	default:
	}
}
