package main

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// instrumentation is the library's name as the OpenTelemetry instrumentation
// scope.
const instrumentation = "github.com/seed-e8f4a5f7/oauthkit"

// NewMetrics returns an oauthkit.Metrics that records the library's events
// as OpenTelemetry instruments on meter, and each token request as a span
// on tracer. Hand it to every Provider (Config.Metrics) and to the webhook
// handler (WebhookConfig.Metrics).
//
// Labels stay low in cardinality: provider, operation, outcome, status,
// event type. The cache key and the tenant are left out of the metrics
// (one series per tenant would be too many) but the tenant goes on spans.
func NewMetrics(meter metric.Meter, tracer trace.Tracer) (*oauthkit.Metrics, error) {
	requests, err := meter.Int64Counter("oauthkit.token.requests",
		metric.WithDescription("Token requests, by provider, operation, outcome and HTTP status."))
	if err != nil {
		return nil, err
	}
	duration, err := meter.Float64Histogram("oauthkit.token.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of token requests, retries and their waits included."))
	if err != nil {
		return nil, err
	}
	retries, err := meter.Int64Counter("oauthkit.retries",
		metric.WithDescription("Requests sent again after a transient failure."))
	if err != nil {
		return nil, err
	}
	webhooks, err := meter.Int64Counter("oauthkit.webhook.requests",
		metric.WithDescription("Webhook requests, by event type and outcome."))
	if err != nil {
		return nil, err
	}
	lookups, err := meter.Int64Counter("oauthkit.cache.lookups",
		metric.WithDescription("Token cache lookups: hit, stale or miss."))
	if err != nil {
		return nil, err
	}
	fills, err := meter.Float64Histogram("oauthkit.cache.fill.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the fetches that fill the token cache."))
	if err != nil {
		return nil, err
	}

	lookup := func(result string) func(context.Context, oauthkit.CacheInfo) {
		set := metric.WithAttributeSet(attribute.NewSet(attribute.String("result", result)))
		return func(ctx context.Context, _ oauthkit.CacheInfo) { lookups.Add(ctx, 1, set) }
	}
	return &oauthkit.Metrics{
		TokenRequest: func(ctx context.Context, info oauthkit.TokenRequestInfo) {
			attrs := []attribute.KeyValue{
				attribute.String("oauthkit.provider", info.Provider),
				attribute.String("oauthkit.op", info.Op),
				attribute.String("oauthkit.outcome", string(info.Outcome)),
				attribute.Int("http.response.status_code", info.StatusCode),
			}
			set := metric.WithAttributes(attrs...)
			requests.Add(ctx, 1, set)
			duration.Record(ctx, info.Duration.Seconds(), set)

			// The event comes once the request has ended, with its start
			// and duration: the span is made after the fact, with both
			// timestamps, as a child of the caller's span.
			_, span := tracer.Start(ctx, "oauthkit token request "+info.Op,
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithTimestamp(info.Start),
				trace.WithAttributes(attrs...),
				trace.WithAttributes(attribute.Int("oauthkit.attempts", info.Attempts)))
			if info.ErrorCode != "" {
				span.SetAttributes(attribute.String("oauthkit.error_code", info.ErrorCode))
			}
			if info.Err != nil {
				// Safe to record: the library's errors hold no secret.
				span.RecordError(info.Err)
				span.SetStatus(codes.Error, string(info.Outcome))
			}
			span.End(trace.WithTimestamp(info.Start.Add(info.Duration)))
		},
		Retry: func(ctx context.Context, info oauthkit.RetryInfo) {
			retries.Add(ctx, 1, metric.WithAttributes(
				attribute.String("oauthkit.provider", info.Provider),
				attribute.String("oauthkit.op", info.Op),
				attribute.String("oauthkit.reason", info.Reason)))
			// The token request's span does not exist yet; the retry is an
			// event on the caller's span.
			trace.SpanFromContext(ctx).AddEvent("oauthkit retry", trace.WithAttributes(
				attribute.String("oauthkit.op", info.Op),
				attribute.Int("oauthkit.attempt", info.Attempt),
				attribute.String("oauthkit.reason", info.Reason),
				attribute.String("oauthkit.delay", info.Delay.String())))
		},
		Webhook: func(ctx context.Context, info oauthkit.WebhookInfo) {
			webhooks.Add(ctx, 1, metric.WithAttributes(
				attribute.String("oauthkit.provider", info.Provider),
				attribute.String("oauthkit.event_type", info.EventType),
				attribute.String("oauthkit.outcome", string(info.Outcome)),
				attribute.Int("http.response.status_code", info.StatusCode)))
			if info.Tenant != "" {
				trace.SpanFromContext(ctx).SetAttributes(attribute.String("oauthkit.tenant", info.Tenant))
			}
		},
		// Reported by package tokencache once it is given these Metrics.
		CacheHit:   lookup("hit"),
		CacheStale: lookup("stale"),
		CacheMiss:  lookup("miss"),
		CacheFill: func(ctx context.Context, info oauthkit.CacheFillInfo) {
			fills.Record(ctx, info.Duration.Seconds(), metric.WithAttributes(
				attribute.String("oauthkit.outcome", string(info.Outcome)),
				attribute.String("oauthkit.background", strconv.FormatBool(info.Background))))
		},
	}, nil
}
