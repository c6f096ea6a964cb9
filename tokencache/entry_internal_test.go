package tokencache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
)

// TestHoldStaleTime: an entry keeps its token's stale time as milliseconds
// before the expiry, rounded earlier: never later than planned, at most a
// millisecond earlier, and at most about 49 days before the expiry. The
// expiry itself is exact.
func TestHoldStaleTime(t *testing.T) {
	c := New(Config{})
	defer c.Close()
	base := c.epoch.Add(time.Hour)
	tests := []struct {
		name      string
		p         plan
		wantStale time.Time // zero: none
	}{
		{"whole milliseconds", plan{staleAt: base.Add(50 * time.Minute), expireAt: base.Add(time.Hour)}, base.Add(50 * time.Minute)},
		{"rounded earlier", plan{staleAt: base.Add(50*time.Minute + 700*time.Microsecond), expireAt: base.Add(time.Hour)}, base.Add(50 * time.Minute)},
		{"a nanosecond before expiry", plan{staleAt: base.Add(time.Hour - 1), expireAt: base.Add(time.Hour)}, base.Add(time.Hour - time.Millisecond)},
		{"stale at expiry", plan{staleAt: base.Add(time.Hour), expireAt: base.Add(time.Hour)}, base.Add(time.Hour)},
		{"capped at 2^32 ms", plan{staleAt: base, expireAt: base.Add(100 * 24 * time.Hour)}, base.Add(100*24*time.Hour - (1<<32-1)*time.Millisecond)},
		{"no expiry", plan{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEntry()
			e.mu.Lock()
			defer e.mu.Unlock()
			c.hold(e, &oauth2.Token{AccessToken: "at"}, tt.p)
			assert.Equal(t, c.at(tt.p.expireAt), e.expireAt, "the expiry is exact")
			assert.Equal(t, c.at(tt.wantStale), e.staleAt())
			if !tt.p.staleAt.IsZero() && tt.p.expireAt.Sub(tt.p.staleAt) < (1<<32-1)*time.Millisecond {
				assert.LessOrEqual(t, e.staleAt(), c.at(tt.p.staleAt), "never later than planned")
			}
		})
	}
}
