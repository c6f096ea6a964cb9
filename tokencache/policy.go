package tokencache

import (
	"math/rand/v2"
	"time"

	"golang.org/x/oauth2"
)

// Defaults for the zero [Config].
const (
	// DefaultExpiryMargin is how long before its Expiry a token counts as
	// expired, the same as x/oauth2's.
	DefaultExpiryMargin = 10 * time.Second
	// DefaultFetchTimeout bounds one fetch, which runs detached from any
	// caller's cancellation.
	DefaultFetchTimeout = 30 * time.Second
	// DefaultClientTimeout bounds one request sent with a [Cache.Client].
	DefaultClientTimeout = 30 * time.Second
)

// The default refresh-ahead policy: a tenth of the token's usable lifetime,
// at least 5 s and at most 5 min, plus up to a quarter more at random so that
// keys fetched together do not all refresh together. For WebUntis' 3-minute
// tokens that is 17 s to 21 s ahead of the 10 s margin.
const (
	aheadDivisor = 10
	aheadMin     = 5 * time.Second
	aheadMax     = 5 * time.Minute
	aheadJitter  = 0.25
)

// Backoff after failed fetches, doubling per consecutive failure, jittered
// into [d/2, d).
const (
	// retryBase and retryMax space the retries of a refresh whose old token
	// is still valid (and still served).
	retryBase = time.Second
	retryMax  = 30 * time.Second
	// holdBase and holdMax bound how long a failed fetch's error is handed
	// to callers of a key that has no valid token before the next one
	// fetches again.
	holdBase = 100 * time.Millisecond
	holdMax  = 5 * time.Second
)

// plan is when a stored token turns stale and when it expires. Both are zero
// for a token without expiry, which stays fresh until invalidated.
type plan struct {
	staleAt, expireAt time.Time
}

// fresh reports whether a token with plan p is fresh at now.
func (p plan) fresh(now time.Time) bool {
	return p.expireAt.IsZero() || now.Before(p.staleAt)
}

// policy holds the Config values that decide a token's plan.
type policy struct {
	margin time.Duration // ≥ 0
	ahead  time.Duration // > 0 fixed, 0 none, < 0 default policy
	rand   func() float64
}

func newPolicy(cfg *Config) policy {
	p := policy{margin: cfg.ExpiryMargin, ahead: cfg.RefreshAhead, rand: rand.Float64}
	switch {
	case p.margin == 0:
		p.margin = DefaultExpiryMargin
	case p.margin < 0:
		p.margin = 0
	}
	switch {
	case p.ahead == 0:
		p.ahead = -1
	case p.ahead < 0:
		p.ahead = 0
	}
	return p
}

// plan fixes when tok, received at now, turns stale and expires. The margin
// is capped at half the token's lifetime and the refresh-ahead at half of
// what remains, so even a short-lived token is reused for a while.
//
// The lifetime is the time left until Expiry, or the token's ExpiresIn if
// that is longer (a token read from a Store may have been issued a while
// ago; x/oauth2 keeps the server's expires_in there).
func (p policy) plan(tok *oauth2.Token, now time.Time) plan {
	if tok.Expiry.IsZero() {
		return plan{}
	}
	if !now.Before(tok.Expiry) {
		return plan{staleAt: tok.Expiry, expireAt: tok.Expiry}
	}
	life := tok.Expiry.Sub(now)
	if tok.ExpiresIn > 0 && tok.ExpiresIn < 1<<32 { // bounded: no overflow
		life = max(life, time.Duration(tok.ExpiresIn)*time.Second)
	}
	margin := min(p.margin, life/2)
	usable := life - margin
	ahead := p.ahead
	if ahead < 0 {
		ahead = defaultRefreshAhead(usable, p.rand())
	}
	ahead = min(ahead, usable/2)
	expireAt := tok.Expiry.Add(-margin)
	return plan{staleAt: expireAt.Add(-ahead), expireAt: expireAt}
}

// defaultRefreshAhead is the default refresh-ahead for a token usable for
// usable, given r in [0, 1) to spread keys apart.
func defaultRefreshAhead(usable time.Duration, r float64) time.Duration {
	ahead := min(max(usable/aheadDivisor, aheadMin), aheadMax)
	return ahead + time.Duration(float64(ahead)*aheadJitter*r)
}

// backoff is the wait after the n-th consecutive failure (n ≥ 1): base
// doubled n-1 times, at most ceiling, then scaled into [d/2, d) by r in
// [0, 1).
func backoff(n int, base, ceiling time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + time.Duration(float64(d/2)*r)
}
