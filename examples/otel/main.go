// Command otel wires oauthkit's Metrics hook to OpenTelemetry: counters and
// histograms for token requests, retries and webhook events, and a span per
// token request, printed by the SDK's stdout exporters. It runs a WebUntis
// client-credentials flow against the in-process fake (webuntistest): a
// success, one that is retried after a 503, one that is refused, and a
// credentials webhook. It needs no network:
//
//	cd examples/otel && go run .
//
// It is a module of its own, so that the library's go.mod does not carry
// the OpenTelemetry SDK.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	traceExp, err := stdouttrace.New(stdouttrace.WithPrettyPrint())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(traceExp))
	defer tp.Shutdown(context.Background())
	metricExp, err := stdoutmetric.New(stdoutmetric.WithPrettyPrint())
	if err != nil {
		return err
	}
	// The periodic reader exports once more on Shutdown, which is when
	// this short program prints its metrics.
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExp)))
	defer mp.Shutdown(context.Background())

	tracer := tp.Tracer(instrumentation)
	metrics, err := NewMetrics(mp.Meter(instrumentation), tracer)
	if err != nil {
		return err
	}
	// The same events as debug-level log records, on stderr.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))

	fake := webuntistest.NewServer(webuntistest.Options{})
	defer fake.Close()
	cfg := fake.Config()
	cfg.Logger, cfg.Metrics = logger, metrics
	p, err := webuntis.New(cfg)
	if err != nil {
		return err
	}

	ctx, span := tracer.Start(ctx, "otel example")
	defer span.End()

	// 1. A client-credentials token.
	if _, err := p.ClientCredentials(ctx); err != nil {
		return fmt.Errorf("client credentials: %w", err)
	}
	// 2. The token endpoint answers 503 once: retried, then a token.
	fake.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{
		Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}, Times: 1,
	})
	if _, err := p.ClientCredentials(ctx); err != nil {
		return fmt.Errorf("client credentials after a 503: %w", err)
	}
	// 3. A wrong platform password: refused with invalid_client.
	bad := cfg
	bad.Password = "not-the-platform-password"
	bad.BasicEncoding = webuntis.BasicRaw
	pb, err := webuntis.New(bad)
	if err != nil {
		return err
	}
	if _, err := pb.ClientCredentials(ctx); !errors.Is(err, oauthkit.ErrInvalidClient) {
		return fmt.Errorf("a wrong password: got %v, want invalid_client", err)
	}
	// 4. A credentials webhook, signed by the fake.
	key, err := webuntis.ParseWebhookKey(fake.WebhookKey())
	if err != nil {
		return err
	}
	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		Key:     key,
		Check:   webuntis.Config{BaseURL: fake.URL, HTTPClient: fake.Client()}, // the live credentials check asks the fake
		Store:   func(context.Context, *webuntis.Credentials) error { return nil },
		Logger:  logger,
		Metrics: metrics,
	})
	if err != nil {
		return err
	}
	receiver := httptest.NewServer(hook)
	defer receiver.Close()
	if status, err := fake.SendCredentials(ctx, receiver.URL, webuntis.EventReset); err != nil || status != http.StatusNoContent {
		return fmt.Errorf("webhook: status %d, %v", status, err)
	}
	return nil
}
