// Package observetest records the events a provider reports, for tests: an
// [oauthkit.Metrics] whose funcs append to lists and a debug-level
// [slog.Logger] that writes JSON into a buffer.
package observetest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// Recorder records events. It is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	log      bytes.Buffer
	tokens   []oauthkit.TokenRequestInfo
	retries  []oauthkit.RetryInfo
	webhooks []oauthkit.WebhookInfo
}

// New returns an empty Recorder.
func New() *Recorder { return &Recorder{} }

// Logger returns a logger that records every level from debug up, as JSON.
func (r *Recorder) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(lockedWriter{r}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct{ r *Recorder }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	return w.r.log.Write(p)
}

// Metrics returns hooks that record the token-request, retry and webhook
// events.
func (r *Recorder) Metrics() *oauthkit.Metrics {
	return &oauthkit.Metrics{
		TokenRequest: func(_ context.Context, i oauthkit.TokenRequestInfo) { record(r, &r.tokens, i) },
		Retry:        func(_ context.Context, i oauthkit.RetryInfo) { record(r, &r.retries, i) },
		Webhook:      func(_ context.Context, i oauthkit.WebhookInfo) { record(r, &r.webhooks, i) },
	}
}

func record[T any](r *Recorder, list *[]T, v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, v)
}

func snapshot[T any](r *Recorder, list *[]T) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), *list...)
}

// TokenRequests returns the token-request events so far.
func (r *Recorder) TokenRequests() []oauthkit.TokenRequestInfo { return snapshot(r, &r.tokens) }

// Retries returns the retry events so far.
func (r *Recorder) Retries() []oauthkit.RetryInfo { return snapshot(r, &r.retries) }

// Webhooks returns the webhook events so far.
func (r *Recorder) Webhooks() []oauthkit.WebhookInfo { return snapshot(r, &r.webhooks) }

// Log returns the log records so far, one JSON object a line.
func (r *Recorder) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}

// Reset forgets every event and record.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.Reset()
	r.tokens, r.retries, r.webhooks = nil, nil, nil
}

// NoSecrets fails t for every secret, in any encoding [providertest] knows,
// found in the log records or in the recorded events printed with %+v. It
// names a secret by position, never by value.
func (r *Recorder) NoSecrets(t testing.TB, secrets ...string) {
	t.Helper()
	providertest.Text(t, "the debug log", r.Log(), secrets...)
	providertest.Text(t, "the recorded events", fmt.Sprintf("%+v %+v %+v", r.TokenRequests(), r.Retries(), r.Webhooks()), secrets...)
}

// Want is what a test expects of the one token request made since the last
// [Recorder.Reset].
type Want struct {
	Provider   string
	Op         string
	Outcome    oauthkit.Outcome
	StatusCode int
	Attempts   int // the retries expected are Attempts-1
}

// CheckTokenRequest fails t unless exactly one token request was reported
// since the last Reset, as want describes, with Attempts-1 retries before
// it, each reported to the metrics and logged at debug level.
func (r *Recorder) CheckTokenRequest(t testing.TB, want Want) {
	t.Helper()
	events := r.TokenRequests()
	if len(events) != 1 {
		t.Errorf("got %d token-request events, want 1", len(events))
		return
	}
	e := events[0]
	got := Want{Provider: e.Provider, Op: e.Op, Outcome: e.Outcome, StatusCode: e.StatusCode, Attempts: e.Attempts}
	if got != want {
		t.Errorf("token-request event: got %+v, want %+v", got, want)
	}
	if (e.Outcome == oauthkit.OutcomeOK) != (e.Err == nil) {
		t.Errorf("token-request event: outcome %s with error %v", e.Outcome, e.Err != nil)
	}
	retries := r.Retries()
	if len(retries) != want.Attempts-1 {
		t.Errorf("got %d retry events, want %d", len(retries), want.Attempts-1)
	}
	for i, rt := range retries {
		if rt.Provider != want.Provider || rt.Op != want.Op || rt.Attempt != i+1 || rt.Reason == "" {
			t.Errorf("retry event #%d: %+v", i, rt)
		}
	}
	log := r.Log()
	for _, s := range []string{
		`"level":"DEBUG","msg":"oauthkit: token request","provider":"` + want.Provider + `","op":"` + want.Op + `","outcome":"` + string(want.Outcome) + `"`,
	} {
		if !strings.Contains(log, s) {
			t.Errorf("the debug log lacks %s", s)
		}
	}
	if n := strings.Count(log, `"msg":"oauthkit: retry"`); n != want.Attempts-1 {
		t.Errorf("the debug log has %d retry records, want %d", n, want.Attempts-1)
	}
}
