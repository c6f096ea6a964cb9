// Package observe reports the library's events to a provider's
// [slog.Logger] (at debug level) and [oauthkit.Metrics], from the one place
// each event happens: token requests in oauthwire, retries in httpc,
// webhook requests in the vendor's handler.
//
// Nothing secret reaches an event: the infos hold names, counts, statuses
// and durations, and an error is logged through the redacting
// [oauthkit.Error.LogValue] or as the error string the caller gets, which
// the library keeps free of secrets.
package observe

import (
	"context"
	"errors"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Observer sends one provider's events to its logger and metrics. A nil
// *Observer reports nothing. It is safe for concurrent use.
type Observer struct {
	provider string
	log      *slog.Logger     // nil: no log records
	metrics  oauthkit.Metrics // a copy: the caller's struct may change later
}

// New returns an Observer for provider. logger nil: silent; metrics nil: no
// metrics. metrics is copied.
func New(provider string, logger *slog.Logger, metrics *oauthkit.Metrics) *Observer {
	o := &Observer{provider: provider, log: logger}
	if metrics != nil {
		o.metrics = *metrics
	}
	return o
}

func (o *Observer) logs(ctx context.Context) bool {
	return o != nil && o.log != nil && o.log.Enabled(ctx, slog.LevelDebug)
}

// TokenRequest reports a finished token request. info.Provider is set here.
func (o *Observer) TokenRequest(ctx context.Context, info oauthkit.TokenRequestInfo) {
	if o == nil {
		return
	}
	info.Provider = o.provider
	if o.logs(ctx) {
		attrs := []slog.Attr{
			slog.String("provider", info.Provider),
			slog.String("op", info.Op),
			slog.String("outcome", string(info.Outcome)),
			slog.Int("status", info.StatusCode),
			slog.Int("attempts", info.Attempts),
			slog.Duration("duration", info.Duration),
		}
		if info.ErrorCode != "" {
			attrs = append(attrs, slog.String("error_code", info.ErrorCode))
		}
		if info.Err != nil {
			attrs = append(attrs, errorAttr(info.Err))
		}
		o.log.LogAttrs(ctx, slog.LevelDebug, "oauthkit: token request", attrs...)
	}
	if f := o.metrics.TokenRequest; f != nil {
		f(ctx, info)
	}
}

// Retry reports a retry about to happen. info.Provider is set here.
func (o *Observer) Retry(ctx context.Context, info oauthkit.RetryInfo) {
	if o == nil {
		return
	}
	info.Provider = o.provider
	if o.logs(ctx) {
		o.log.LogAttrs(ctx, slog.LevelDebug, "oauthkit: retry",
			slog.String("provider", info.Provider),
			slog.String("op", info.Op),
			slog.Int("attempt", info.Attempt),
			slog.String("reason", info.Reason),
			slog.Int("status", info.StatusCode),
			slog.Duration("delay", info.Delay),
		)
	}
	if f := o.metrics.Retry; f != nil {
		f(ctx, info)
	}
}

// Webhook reports an answered webhook request; err is why it was refused,
// or nil. info.Provider is set here.
func (o *Observer) Webhook(ctx context.Context, info oauthkit.WebhookInfo, err error) {
	if o == nil {
		return
	}
	info.Provider = o.provider
	if o.logs(ctx) {
		attrs := []slog.Attr{
			slog.String("provider", info.Provider),
			slog.String("outcome", string(info.Outcome)),
			slog.Int("status", info.StatusCode),
		}
		if info.EventType != "" {
			attrs = append(attrs, slog.String("event_type", info.EventType))
		}
		if info.Tenant != "" {
			attrs = append(attrs, slog.String("tenant", info.Tenant))
		}
		if err != nil {
			attrs = append(attrs, errorAttr(err))
		}
		o.log.LogAttrs(ctx, slog.LevelDebug, "oauthkit: webhook", attrs...)
	}
	if f := o.metrics.Webhook; f != nil {
		f(ctx, info)
	}
}

// errorAttr logs an [*oauthkit.Error] through its LogValue, which shows only
// the fields that were scrubbed when it was made, and any other error as
// its string, which the library keeps free of secrets.
func errorAttr(err error) slog.Attr {
	var e *oauthkit.Error
	if errors.As(err, &e) {
		return slog.Any("error", e)
	}
	return slog.String("error", err.Error())
}
