package lazy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOneFetchForManyCallers(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	v := &Value[int]{Fetch: func(ctx context.Context) (int, error) {
		calls.Add(1)
		started <- struct{}{}
		<-release
		return 42, nil
	}}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := v.Get(context.Background())
			assert.NoError(t, err)
			assert.Equal(t, 42, got)
		}()
	}
	<-started // the fetch is under way
	close(release)
	wg.Wait()
	assert.EqualValues(t, 1, calls.Load())
	got, _ := v.Get(context.Background())
	assert.Equal(t, 42, got)
	assert.EqualValues(t, 1, calls.Load(), "kept after success")
}

func TestFailureIsNotKept(t *testing.T) {
	var calls atomic.Int32
	v := &Value[string]{Fetch: func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			return "", errors.New("down")
		}
		return "up", nil
	}}
	_, err := v.Get(context.Background())
	require.Error(t, err)
	got, err := v.Get(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "up", got)
}

func TestCallerMayStopWaiting(t *testing.T) {
	release := make(chan struct{})
	v := &Value[int]{Fetch: func(ctx context.Context) (int, error) {
		<-release
		return 1, ctx.Err()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := v.Get(ctx)
	require.ErrorIs(t, err, context.Canceled)
	close(release)
	got, err := v.Get(context.Background())
	require.NoError(t, err, "the fetch ran on, detached from the caller who left")
	assert.Equal(t, 1, got)
}

func TestFetchIsBoundedByTimeout(t *testing.T) {
	v := &Value[int]{Timeout: 10 * time.Millisecond, Fetch: func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}}
	_, err := v.Get(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestEndedContextStartsNoFetch: Get with a ctx that has already ended
// returns its error and starts no fetch (the one fetch made is started by
// the next caller, whose values it carries); once the value is kept, it is
// returned whatever the ctx.
func TestEndedContextStartsNoFetch(t *testing.T) {
	type caller struct{}
	var calls atomic.Int32
	var startedBy atomic.Value
	v := &Value[int]{Fetch: func(ctx context.Context) (int, error) {
		calls.Add(1)
		startedBy.Store(ctx.Value(caller{}))
		return 7, nil
	}}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), caller{}, "ended"))
	cancel()
	for range 100 { // the fetch used to start, and at times win the select
		_, err := v.Get(ctx)
		require.ErrorIs(t, err, context.Canceled)
	}

	got, err := v.Get(context.WithValue(context.Background(), caller{}, "live"))
	require.NoError(t, err)
	assert.Equal(t, 7, got)
	assert.EqualValues(t, 1, calls.Load())
	assert.Equal(t, "live", startedBy.Load(), "the fetch was started by the live caller")
	got, err = v.Get(ctx)
	require.NoError(t, err, "a kept value needs no wait")
	assert.Equal(t, 7, got)
}
