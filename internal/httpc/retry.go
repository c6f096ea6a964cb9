package httpc

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy decides which failures are retried and how long to wait between
// attempts: exponential backoff with full jitter, or the server's
// Retry-After when it sends one.
//
// Retried: a network error before any response, and 429, 502, 503 and 504.
// Never retried: any other status (a 4xx is a protocol answer, sending it
// again gets the same answer), a body over the limit, a context that ended,
// and a single-use request that may have reached the server: after a
// network error, one is retried only when the error proves nothing was
// written (a dial or DNS error, no connection made).
type Policy struct {
	MaxAttempts   int           // including the first; zero: 3; 1 turns retries off
	BaseDelay     time.Duration // first backoff ceiling; zero: 200ms
	MaxDelay      time.Duration // backoff ceiling cap; zero: 5s
	MaxRetryAfter time.Duration // a longer Retry-After ends the retries; zero: 30s

	// Sleep waits d or until ctx ends; nil uses a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a uniform duration in [0, d); nil uses math/rand/v2.
	Jitter func(d time.Duration) time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Jitter == nil {
		p.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(d)))
		}
	}
	return p
}

// next decides whether attempt is followed by another, and after how long.
func (p Policy) next(ctx context.Context, attempt int, singleUse bool, resp *Response, reached bool, err error) (time.Duration, bool) {
	if attempt >= p.MaxAttempts || ctx.Err() != nil {
		return 0, false
	}
	switch {
	case err != nil && resp != nil: // a response arrived but its body was unusable
		return 0, false
	case err != nil: // no response
		if singleUse && reached {
			return 0, false
		}
		return p.backoff(attempt), true
	case !Transient(resp.StatusCode) || singleUse:
		return 0, false
	}
	wait, ok := RetryAfter(resp.Header, time.Now())
	if !ok {
		return p.backoff(attempt), true
	}
	if wait > p.MaxRetryAfter {
		return 0, false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false // the answer is the same now as after a wait the caller cannot afford
	}
	return wait, true
}

// backoff is "full jitter": uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))).
func (p Policy) backoff(attempt int) time.Duration {
	ceiling := p.BaseDelay << (attempt - 1)
	if ceiling > p.MaxDelay || ceiling <= 0 {
		ceiling = p.MaxDelay
	}
	return p.Jitter(ceiling)
}

// Transient reports whether status is one a retry may cure.
func Transient(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxRetryAfter caps what RetryAfter reports, in both of the header's forms:
// a longer wait is not one a client will honour, and an HTTP date far in
// the future would otherwise overflow into a wait of centuries.
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds or
// an HTTP date, capped at 24 hours either way; a date in the past is 0.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	// Sub saturates at the largest Duration rather than overflowing.
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}
