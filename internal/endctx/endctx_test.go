package endctx

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

// TestCtx: a Ctx has its parent's values and deadline (or its own), is not
// done until End, then is done with End's error, with context.Cause the
// cause of a cancellable parent or else its Err; contexts derived from it,
// and context.AfterFunc, follow its end.
func TestCtx(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name         string
		parent       func() (context.Context, context.CancelFunc)
		parentEnds   bool
		wantErr      error
		wantDeadline bool
		wantCause    string
	}{
		{"background", func() (context.Context, context.CancelFunc) {
			return context.WithValue(context.Background(), ctxKey{}, "v"), func() {}
		}, false, context.Canceled, false, "context canceled"},
		{"cancellable", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
		}, false, context.Canceled, false, "context canceled"},
		{"with deadline", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "v"), deadline)
		}, false, context.Canceled, true, "context canceled"},
		{"caller's ended", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
			return ctx, func() { cancel(errors.New("a cause")) }
		}, true, context.Canceled, false, "a cause"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancel := tc.parent()
			defer cancel()
			var x Ctx
			x.Start(parent, time.Time{})
			assert.Equal(t, "v", x.Value(ctxKey{}), "the caller's values")
			d, ok := x.Deadline()
			assert.Equal(t, tc.wantDeadline, ok, "the caller's deadline")
			if ok {
				assert.True(t, d.Equal(deadline))
			}
			child, cancelChild := context.WithCancel(&x)
			defer cancelChild()
			ran := make(chan struct{})
			context.AfterFunc(&x, func() { close(ran) })
			stopped := make(chan struct{})
			stop := context.AfterFunc(&x, func() { close(stopped) })
			require.True(t, stop(), "an AfterFunc stops before the end")

			require.NoError(t, x.Err())
			select {
			case <-x.Done():
				t.Fatal("done before its end")
			default:
			}
			if tc.parentEnds {
				cancel()
			}
			x.End(context.Canceled)
			x.End(context.DeadlineExceeded) // only the first counts
			<-x.Done()
			require.ErrorIs(t, x.Err(), tc.wantErr)
			assert.EqualError(t, context.Cause(&x), tc.wantCause)
			<-child.Done() // through AfterFunc
			assert.ErrorIs(t, child.Err(), context.Canceled)
			<-ran
			select {
			case <-stopped:
				t.Fatal("a stopped AfterFunc ran")
			default:
			}
			late := make(chan struct{})
			context.AfterFunc(&x, func() { close(late) })
			<-late
			assert.EqualError(t, context.Cause(child), tc.wantCause)
		})
	}
}

// TestCtxOwnDeadline: a deadline given to Start is the Ctx's, whatever
// the parent's.
func TestCtxOwnDeadline(t *testing.T) {
	own := time.Now().Add(time.Minute)
	parent, cancel := context.WithDeadline(context.Background(), own.Add(time.Hour))
	defer cancel()
	var x Ctx
	x.Start(parent, own)
	d, ok := x.Deadline()
	assert.True(t, ok)
	assert.True(t, d.Equal(own))
	assert.Same(t, parent, x.Parent())
	x.End(context.DeadlineExceeded)
	<-x.Done()
	assert.ErrorIs(t, x.Err(), context.DeadlineExceeded)
}
