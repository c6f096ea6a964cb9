package tokencache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"
)

func TestDefaultRefreshAhead(t *testing.T) {
	tests := []struct {
		name   string
		usable time.Duration
		r      float64
		want   time.Duration
	}{
		{name: "WebUntis 3 min token, no jitter", usable: 170 * time.Second, want: 17 * time.Second},
		{name: "WebUntis 3 min token, most jitter", usable: 170 * time.Second, r: 0.999999, want: 21250 * time.Millisecond},
		{name: "floor", usable: 20 * time.Second, want: 5 * time.Second},
		{name: "floor with jitter", usable: 20 * time.Second, r: 0.5, want: 5625 * time.Millisecond},
		{name: "1 h token", usable: time.Hour, want: 5 * time.Minute},
		{name: "cap", usable: 24 * time.Hour, want: 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, float64(tt.want), float64(defaultRefreshAhead(tt.usable, tt.r)), float64(time.Millisecond))
		})
	}
}

func TestPlan(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	token := func(life time.Duration) *oauth2.Token {
		return &oauth2.Token{AccessToken: "a", Expiry: now.Add(life)}
	}
	tests := []struct {
		name       string
		cfg        Config
		tok        *oauth2.Token
		wantStale  time.Duration // after now
		wantExpire time.Duration
	}{
		{name: "default policy, 3 min", tok: token(3 * time.Minute), wantStale: 153 * time.Second, wantExpire: 170 * time.Second},
		{name: "fixed refresh-ahead", cfg: Config{RefreshAhead: 30 * time.Second}, tok: token(3 * time.Minute), wantStale: 140 * time.Second, wantExpire: 170 * time.Second},
		{name: "refresh-ahead off", cfg: Config{RefreshAhead: -1}, tok: token(3 * time.Minute), wantStale: 170 * time.Second, wantExpire: 170 * time.Second},
		{name: "custom margin", cfg: Config{ExpiryMargin: time.Minute, RefreshAhead: -1}, tok: token(3 * time.Minute), wantStale: 2 * time.Minute, wantExpire: 2 * time.Minute},
		{name: "no margin", cfg: Config{ExpiryMargin: -1, RefreshAhead: -1}, tok: token(3 * time.Minute), wantStale: 3 * time.Minute, wantExpire: 3 * time.Minute},
		{name: "margin capped at half the life", cfg: Config{RefreshAhead: -1}, tok: token(8 * time.Second), wantStale: 4 * time.Second, wantExpire: 4 * time.Second},
		{name: "refresh-ahead capped at half the usable life", cfg: Config{RefreshAhead: time.Hour}, tok: token(110 * time.Second), wantStale: 50 * time.Second, wantExpire: 100 * time.Second},
		{name: "already expired", tok: token(-time.Second), wantStale: -time.Second, wantExpire: -time.Second},
		{
			name: "read back later: ExpiresIn gives the lifetime", cfg: Config{RefreshAhead: 30 * time.Second},
			tok:       &oauth2.Token{AccessToken: "a", Expiry: now.Add(40 * time.Second), ExpiresIn: 180},
			wantStale: 0, wantExpire: 30 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolicy(&tt.cfg)
			p.rand = func() float64 { return 0 }
			got := p.plan(tt.tok, now)
			assert.Equal(t, now.Add(tt.wantStale), got.staleAt, "stale at")
			assert.Equal(t, now.Add(tt.wantExpire), got.expireAt, "expires at")
		})
	}

	p := newPolicy(&Config{})
	assert.Equal(t, plan{}, p.plan(&oauth2.Token{AccessToken: "a"}, now), "no expiry: no plan")
	assert.True(t, plan{}.fresh(now.Add(100*365*24*time.Hour)), "no expiry: always fresh")
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n        int
		base     time.Duration
		ceiling  time.Duration
		min, max time.Duration // range over r in [0, 1)
	}{
		{n: 1, base: time.Second, ceiling: 30 * time.Second, min: 500 * time.Millisecond, max: time.Second},
		{n: 2, base: time.Second, ceiling: 30 * time.Second, min: time.Second, max: 2 * time.Second},
		{n: 5, base: time.Second, ceiling: 30 * time.Second, min: 8 * time.Second, max: 16 * time.Second},
		{n: 6, base: time.Second, ceiling: 30 * time.Second, min: 15 * time.Second, max: 30 * time.Second},
		{n: 1000, base: time.Second, ceiling: 30 * time.Second, min: 15 * time.Second, max: 30 * time.Second},
		{n: 1, base: holdBase, ceiling: holdMax, min: 50 * time.Millisecond, max: 100 * time.Millisecond},
		{n: 100, base: holdBase, ceiling: holdMax, min: holdMax / 2, max: holdMax},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.min, backoff(tt.n, tt.base, tt.ceiling, 0), "n=%d, r=0", tt.n)
		got := backoff(tt.n, tt.base, tt.ceiling, 0.999999)
		assert.Less(t, got, tt.max, "n=%d, r→1", tt.n)
		assert.Greater(t, got, tt.max*99/100, "n=%d, r→1", tt.n)
	}
}
