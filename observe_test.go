package oauthkit_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// Metrics counts token requests and retries; a Provider takes it in its
// Config, next to a Logger that gets the same events at debug level.
func ExampleMetrics() {
	srv := webuntistest.NewServer(webuntistest.Options{}) // stands in for WebUntis
	defer srv.Close()

	var mu sync.Mutex
	count := map[string]int{}
	metrics := &oauthkit.Metrics{
		TokenRequest: func(_ context.Context, info oauthkit.TokenRequestInfo) {
			mu.Lock()
			defer mu.Unlock()
			count[fmt.Sprintf("%s %s %s attempts=%d", info.Provider, info.Op, info.Outcome, info.Attempts)]++
		},
		Retry: func(_ context.Context, info oauthkit.RetryInfo) {
			fmt.Printf("retry after attempt %d: %s\n", info.Attempt, info.Reason)
		},
	}
	cfg := srv.Config()
	cfg.Metrics = metrics
	cfg.Logger = slog.Default() // the same events as records at debug level, when its handler lets them through
	p, err := webuntis.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.ClientCredentials(ctx); err != nil {
		log.Fatal(err)
	}
	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"0"}}, Times: 1})
	if _, err := p.ClientCredentials(ctx); err != nil {
		log.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for k, n := range count {
		fmt.Println(k, n)
	}
	// Unordered output:
	// retry after attempt 1: HTTP 503
	// webuntis client credentials ok attempts=1 1
	// webuntis client credentials ok attempts=2 1
}

// TestMetricsAreCopiedByNew: a Provider keeps the hooks it was made with;
// changing the caller's struct later neither changes nor races with it.
func TestMetricsAreCopiedByNew(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	var first, second int
	m := &oauthkit.Metrics{TokenRequest: func(context.Context, oauthkit.TokenRequestInfo) { first++ }}
	cfg := srv.Config()
	cfg.Metrics = m
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	m.TokenRequest = func(context.Context, oauthkit.TokenRequestInfo) { second++ }
	_, err = p.ClientCredentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, first)
	assert.Zero(t, second)
}

// TestDebugLogHoldsNoSecret: the debug log of a succeeding and of a failing
// flow, through every slog handler of the standard library, shows no
// credential or token in any encoding.
func TestDebugLogHoldsNoSecret(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	for _, h := range []struct {
		name string
		new  func(*strings.Builder) slog.Handler
	}{
		{"JSON", func(b *strings.Builder) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		}},
		{"text", func(b *strings.Builder) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})
		}},
	} {
		t.Run(h.name, func(t *testing.T) {
			var buf strings.Builder
			cfg := srv.Config()
			cfg.Logger = slog.New(h.new(&buf))
			p, err := webuntis.New(cfg)
			require.NoError(t, err)
			tok, err := p.ClientCredentials(context.Background())
			require.NoError(t, err)

			bad := cfg
			bad.Password = "a+wrong/platform=password"
			pb, err := webuntis.New(bad)
			require.NoError(t, err)
			_, err = pb.ClientCredentials(context.Background())
			require.Error(t, err)

			log := buf.String()
			require.Contains(t, log, "client credentials")
			require.Contains(t, log, "invalid_client")
			tenant := srv.Tenant()
			providertest.Text(t, "the debug log", log, tok.AccessToken, tenant.Password, tenant.ClientSecret, "a+wrong/platform=password")
		})
	}
}
