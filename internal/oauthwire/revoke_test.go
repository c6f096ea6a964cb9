package oauthwire

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe/observetest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

func TestRevokeRequest(t *testing.T) {
	tests := []struct {
		name     string
		auth     AuthStyle
		hint     string
		wantAuth string
		wantForm url.Values
	}{
		{
			name: "public client", auth: AuthPublic, hint: "refresh_token",
			wantForm: url.Values{"token": {"RT-1"}, "token_type_hint": {"refresh_token"}, "client_id": {"my client"}},
		},
		{
			name: "secret in the body", auth: AuthInBody, hint: "access_token",
			wantForm: url.Values{"token": {"RT-1"}, "token_type_hint": {"access_token"}, "client_id": {"my client"}, "client_secret": {"s3+cret"}},
		},
		{
			name: "Basic, no hint", auth: AuthBasic,
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("my+client:s3%2Bcret")),
			wantForm: url.Values{"token": {"RT-1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := capture(t, ``)
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
			err := c.Revoke(context.Background(), Revocation{
				URL: srv.URL + "/revoke", Token: "RT-1", Hint: tt.hint,
				ClientID: "my client", Secret: oauthkit.Secret("s3+cret"), Auth: tt.auth,
			})
			require.NoError(t, err)
			assert.Equal(t, http.MethodPost, got.method)
			assert.Equal(t, "/revoke", got.path)
			assert.Empty(t, got.rawQuery, "nothing in the URL")
			assert.Equal(t, "application/x-www-form-urlencoded", got.contentType)
			assert.Equal(t, tt.wantAuth, got.auth)
			assert.Equal(t, tt.wantForm, got.form)
		})
	}
}

func TestRevokeAnswers(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode oauthkit.ErrorCode // "" with status 0: success
	}{
		{name: "200, empty body", status: 200},
		{name: "200 with a body", status: 200, body: `{}`},
		{name: "204", status: 204},
		{name: "unsupported_token_type", status: 400, body: `{"error":"unsupported_token_type","error_description":"Unsupported token type RT-SECRET"}`, wantCode: ErrUnsupportedTokenType},
		{name: "invalid_client", status: 401, body: `{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}`, wantCode: oauthkit.ErrInvalidClient},
		{name: "500 page", status: 500, body: `<html>Internal error RT-SECRET</html>`},
		{name: "503 after the retries", status: 503, body: `{"error":"temporarily_unavailable"}`, wantCode: oauthkit.ErrTemporarilyUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				if tt.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{Sleep: func(context.Context, time.Duration) error { return nil }}})}
			err := c.Revoke(context.Background(), Revocation{URL: srv.URL, Token: "RT-SECRET", Hint: "refresh_token", ClientID: "id", Auth: AuthPublic})
			if tt.status/100 == 2 {
				require.NoError(t, err)
				return
			}
			e, ok := errors.AsType[*oauthkit.Error](err)
			require.True(t, ok, "an *oauthkit.Error")
			assert.Equal(t, "p", e.Provider)
			assert.Equal(t, oauthkit.OpRevoke, e.Op)
			assert.Equal(t, tt.status, e.StatusCode)
			if tt.wantCode != "" {
				assert.ErrorIs(t, err, tt.wantCode)
			}
			if tt.status == 503 {
				assert.EqualValues(t, 3, attempts.Load(), "a 503 is retried: revocation is idempotent")
			}
			providertest.Text(t, "error", err.Error(), "RT-SECRET")
		})
	}
}

func TestRevokeRefusesAnEmptyToken(t *testing.T) {
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	err := c.Revoke(context.Background(), Revocation{URL: "http://127.0.0.1:1/revoke", ClientID: "id", Auth: AuthPublic})
	require.ErrorContains(t, err, "p: revoke: empty token")
}

func TestRevokeTransportErrorKeepsCause(t *testing.T) {
	srv, _ := capture(t, ``)
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Revoke(ctx, Revocation{URL: srv.URL, Token: "RT-SECRET", ClientID: "id", Auth: AuthPublic})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "p: revoke: ")
	providertest.Text(t, "error", err.Error(), "RT-SECRET")
}

// TestRevokeIsReported: a revocation is one token-request event with Op
// "revoke", and neither the event nor the log shows the token, even when the
// server echoes it.
func TestRevokeIsReported(t *testing.T) {
	const token = "observe-revoked-token-5"
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   oauthkit.Outcome
		code   string
	}{
		{"success", 200, "", oauthkit.OutcomeOK, ""},
		{"refused, echoing the token", 400, `{"error":"unsupported_token_type","error_description":"token ` + token + `"}`, oauthkit.OutcomeError, "unsupported_token_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			rec := observetest.New()
			c := &Client{Provider: "vendor", HTTP: httpc.New(httpc.Options{Observer: observe.New("vendor", rec.Logger(), rec.Metrics())})}
			err := c.Revoke(context.Background(), Revocation{URL: srv.URL, Token: token, Hint: "refresh_token", ClientID: "client", Auth: AuthPublic})

			events := rec.TokenRequests()
			require.Len(t, events, 1)
			assert.Equal(t, oauthkit.OpRevoke, events[0].Op)
			assert.Equal(t, tt.want, events[0].Outcome)
			assert.Equal(t, tt.status, events[0].StatusCode)
			assert.Equal(t, tt.code, events[0].ErrorCode)
			assert.Equal(t, err, events[0].Err)
			rec.NoSecrets(t, token)
		})
	}
}
