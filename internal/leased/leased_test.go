package leased

import (
	"context"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name    string
		until   time.Duration // from now
		timeout time.Duration
		want    time.Duration // the deadline, from now
	}{
		{"the timeout first", time.Hour, 5 * time.Second, 5 * time.Second},
		{"the lease first", 3 * time.Second, 5 * time.Second, 2 * time.Second},
		{"the lease nearly over", 500 * time.Millisecond, 5 * time.Second, -500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			ctx, cancel := Write(context.Background(), now.Add(tc.until), tc.timeout)
			defer cancel()
			d, ok := ctx.Deadline()
			if !ok {
				t.Fatal("no deadline")
			}
			// time.Now in Write is read after now: allow it a little.
			if got := d.Sub(now); got < tc.want || got > tc.want+100*time.Millisecond {
				t.Errorf("deadline %v from now, want %v", got, tc.want)
			}
		})
	}
}

func TestLeft(t *testing.T) {
	until := time.Now().Add(3 * time.Second)
	if !Left(until, time.Second) {
		t.Error("a write after 1 s of a 3 s lease can end a second before it")
	}
	if Left(until, 2500*time.Millisecond) {
		t.Error("a write after 2.5 s of a 3 s lease cannot end a second before it")
	}
}
