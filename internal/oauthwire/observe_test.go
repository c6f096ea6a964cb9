package oauthwire

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
)

// TestTokenRequestIsReported checks the one event each token request
// reports, with its retries, and that neither the log nor the events show
// the credentials, the code or the tokens, even when the server echoes them.
func TestTokenRequestIsReported(t *testing.T) {
	const (
		secret  = "observe-secret+/=1"
		code    = "observe-code-2"
		access  = "observe-access-3"
		refresh = "observe-refresh-4"
	)
	secrets := []string{secret, code, access, refresh}
	tokenBody := `{"access_token":"` + access + `","refresh_token":"` + refresh + `","token_type":"Bearer","expires_in":60}`
	echo := `{"error":"invalid_client","error_description":"client secret ` + secret + ` and code ` + code + ` refused"}`
	tests := []struct {
		name        string
		statuses    []int // one per attempt; the last repeats
		body        string
		grant       string
		want        oauthkit.Outcome
		wantStatus  int
		wantCode    string
		wantTries   int
		wantRetries []string
	}{
		{name: "success", statuses: []int{200}, body: tokenBody, grant: "client_credentials", want: oauthkit.OutcomeOK, wantStatus: 200, wantTries: 1},
		{name: "retry then success", statuses: []int{503, 429, 200}, body: tokenBody, grant: "client_credentials", want: oauthkit.OutcomeOK, wantStatus: 200, wantTries: 3, wantRetries: []string{"HTTP 503", "HTTP 429"}},
		{name: "refused, echoing the secret", statuses: []int{401}, body: echo, grant: "authorization_code", want: oauthkit.OutcomeError, wantStatus: 401, wantCode: "invalid_client", wantTries: 1},
		{name: "malformed success", statuses: []int{200}, body: `{"access_token":"` + access + `","token_type":"mac"}`, grant: "client_credentials", want: oauthkit.OutcomeError, wantStatus: 200, wantTries: 1},
		{name: "gives up after retries", statuses: []int{502}, body: "<html>bad gateway</html>", grant: "client_credentials", want: oauthkit.OutcomeError, wantStatus: 502, wantTries: 3, wantRetries: []string{"HTTP 502", "HTTP 502"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				n := int(calls.Add(1)) - 1
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(tt.statuses[min(n, len(tt.statuses)-1)])
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			rec := observetest.New()
			c := &Client{Provider: "vendor", HTTP: httpc.New(httpc.Options{Observer: observe.New("vendor", rec.Logger(), rec.Metrics())})}

			params := url.Values{"grant_type": {tt.grant}}
			if tt.grant == "authorization_code" {
				params.Set("code", code)
			}
			_, err := c.Token(context.Background(), Request{Op: "op", TokenURL: srv.URL, Params: params, ClientID: "client", Secret: secret, Auth: AuthBasic})

			events := rec.TokenRequests()
			require.Len(t, events, 1, "one event per token request")
			got := events[0]
			assert.Equal(t, "vendor", got.Provider)
			assert.Equal(t, "op", got.Op)
			assert.Equal(t, tt.want, got.Outcome)
			assert.Equal(t, tt.wantStatus, got.StatusCode)
			assert.Equal(t, tt.wantCode, got.ErrorCode)
			assert.Equal(t, tt.wantTries, got.Attempts)
			assert.Equal(t, err, got.Err, "the event carries the caller's error")
			assert.GreaterOrEqual(t, got.Duration, time.Duration(0))
			assert.False(t, got.Start.IsZero())

			var reasons []string
			for i, r := range rec.Retries() {
				assert.Equal(t, "vendor", r.Provider)
				assert.Equal(t, "op", r.Op)
				assert.Equal(t, i+1, r.Attempt)
				reasons = append(reasons, r.Reason)
			}
			assert.Equal(t, tt.wantRetries, reasons)

			log := rec.Log()
			assert.Equal(t, 1+len(tt.wantRetries), strings.Count(log, "\n"), "a record per event")
			assert.Contains(t, log, `"level":"DEBUG"`)
			assert.Contains(t, log, `"msg":"oauthkit: token request"`)
			assert.Contains(t, log, `"outcome":"`+string(tt.want)+`"`)
			rec.NoSecrets(t, secrets...)
		})
	}
}

func TestTokenRequestTransportOutcomes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + l.Addr().String()
	l.Close()

	rec := observetest.New()
	p := httpc.Policy{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
	c := &Client{Provider: "vendor", HTTP: httpc.New(httpc.Options{Retry: p, Observer: observe.New("vendor", rec.Logger(), rec.Metrics())})}
	req := Request{Op: "op", TokenURL: refused, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "client", Secret: "observe-secret-5", Auth: AuthInBody}

	_, err = c.Token(context.Background(), req)
	require.Error(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Token(ctx, req)
	require.Error(t, err)

	events := rec.TokenRequests()
	require.Len(t, events, 2)
	assert.Equal(t, oauthkit.OutcomeTransportError, events[0].Outcome)
	assert.Equal(t, 3, events[0].Attempts, "a refused connection is tried three times")
	assert.Zero(t, events[0].StatusCode)
	assert.Equal(t, oauthkit.OutcomeCanceled, events[1].Outcome)
	require.Len(t, rec.Retries(), 2)
	assert.Equal(t, "network error", rec.Retries()[0].Reason)
	for _, line := range strings.SplitAfter(rec.Log(), "\n") {
		if strings.Contains(line, `"msg":"oauthkit: retry"`) {
			assert.NotContains(t, line, l.Addr().String(), "a retry's reason holds no address")
		}
	}
	rec.NoSecrets(t, "observe-secret-5")
}

func TestTokenRequestWithoutObserverReportsNothing(t *testing.T) {
	srv, _ := capture(t, `{"access_token":"a-token-6","token_type":"Bearer"}`)
	c := &Client{Provider: "vendor", HTTP: httpc.New(httpc.Options{})}
	_, err := c.Token(context.Background(), Request{Op: "op", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "c", Secret: "s", Auth: AuthInBody})
	require.NoError(t, err) // and no nil dereference
}
