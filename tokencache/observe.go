package tokencache

import (
	"context"
	"errors"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// observer reports the cache's events to [Config.Logger] and
// [Config.Metrics]. Its zero value reports nothing. The read-path methods
// cost one nil check when no hook is set: they take no lock and read no
// clock.
type observer struct {
	log     *slog.Logger
	metrics oauthkit.Metrics // a copy, taken by New
}

func newObserver(cfg *Config) observer {
	o := observer{log: cfg.Logger}
	if cfg.Metrics != nil {
		o.metrics = *cfg.Metrics
	}
	return o
}

func (o *observer) hit(ctx context.Context, key string) {
	if f := o.metrics.CacheHit; f != nil {
		f(ctx, oauthkit.CacheInfo{Key: key})
	}
}

func (o *observer) stale(ctx context.Context, key string) {
	if f := o.metrics.CacheStale; f != nil {
		f(ctx, oauthkit.CacheInfo{Key: key})
	}
}

func (o *observer) miss(ctx context.Context, key string) {
	if f := o.metrics.CacheMiss; f != nil {
		f(ctx, oauthkit.CacheInfo{Key: key})
	}
}

// fill reports a finished fill: a CacheFill event and a debug record with
// the key (which names vendor, endpoint, tenant, client and flow, and hashes
// the rest), whether it refreshed ahead of expiry, its outcome and, for a
// failure, the error (which never holds a token value) and when it is tried
// again.
func (o *observer) fill(ctx context.Context, ev RefreshEvent) {
	outcome := oauthkit.OutcomeOK
	switch {
	case errors.Is(ev.Err, context.Canceled), errors.Is(ev.Err, context.DeadlineExceeded):
		outcome = oauthkit.OutcomeCanceled
	case ev.Err != nil:
		outcome = oauthkit.OutcomeError
	}
	if f := o.metrics.CacheFill; f != nil {
		f(ctx, oauthkit.CacheFillInfo{Key: ev.Key, Outcome: outcome, Background: ev.Ahead, Duration: ev.Duration, Err: ev.Err})
	}
	if o.log != nil {
		o.logFill(ctx, ev, outcome)
	}
}

// logFill is fill's debug record, apart so that fill's frame stays small on
// the fetching goroutine's stack.
func (o *observer) logFill(ctx context.Context, ev RefreshEvent, outcome oauthkit.Outcome) {
	if !o.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("key", ev.Key),
		slog.String("outcome", string(outcome)),
		slog.Bool("ahead", ev.Ahead),
		slog.Bool("from_store", ev.FromStore),
		slog.Duration("duration", ev.Duration),
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()), slog.Int("failures", ev.Failures), slog.Duration("retry_in", ev.RetryIn))
	} else if !ev.Expiry.IsZero() {
		attrs = append(attrs, slog.Time("expiry", ev.Expiry))
	}
	o.log.LogAttrs(ctx, slog.LevelDebug, "oauthkit: cache fill", attrs...)
}

// storeError logs a Store error at debug level; [Config.OnError] gets it too.
func (o *observer) storeError(key string, err error) {
	if o.log != nil && o.log.Enabled(context.Background(), slog.LevelDebug) {
		o.log.LogAttrs(context.Background(), slog.LevelDebug, "oauthkit: cache error", slog.String("key", key), slog.String("error", err.Error()))
	}
}
