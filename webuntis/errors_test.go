package webuntis_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

const nginx502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>`

func TestClientCredentialsBadAnswers(t *testing.T) {
	tests := []struct {
		name        string
		faults      []oauthkittest.Fault
		wantErr     error
		wantStatus  int
		wantText    string
		wantToken   bool
		wantExpiry  time.Duration
		wantTries   int
		wantAtLeast time.Duration
	}{
		{
			name:       "HTML 502 page, three times",
			faults:     []oauthkittest.Fault{{Status: 502, Body: nginx502}},
			wantStatus: 502, wantText: `body: "502 Bad Gateway 502 Bad Gateway nginx"`, wantTries: 3,
		},
		{
			name:      "HTML 502 once, then the token",
			faults:    []oauthkittest.Fault{{Status: 502, Body: nginx502, Times: 1}},
			wantToken: true, wantExpiry: 180 * time.Second, wantTries: 2,
		},
		{
			name:    "malformed JSON",
			faults:  []oauthkittest.Fault{{Status: 200, Body: `{"access_token":"at",`, ContentType: "application/json"}},
			wantErr: oauthkit.ErrMalformedResponse, wantStatus: 200, wantText: "not a JSON object", wantTries: 1,
		},
		{
			name:    "5 MiB body",
			faults:  []oauthkittest.Fault{{Status: 200, Body: `{"access_token":"` + strings.Repeat("a", 5<<20) + `"}`}},
			wantErr: oauthkit.ErrResponseTooLarge, wantStatus: 200, wantText: "response body too large", wantTries: 1,
		},
		{
			name:    "missing access_token",
			faults:  []oauthkittest.Fault{{Status: 200, Body: `{"token_type":"Bearer","expires_in":180}`}},
			wantErr: oauthkit.ErrMalformedResponse, wantStatus: 200, wantText: "no access_token", wantTries: 1,
		},
		{
			name:      "expires_in as a string",
			faults:    []oauthkittest.Fault{{Status: 200, Body: `{"access_token":"at","token_type":"Bearer","expires_in":"180"}`}},
			wantToken: true, wantExpiry: 180 * time.Second, wantTries: 1,
		},
		{
			name:      "429 with Retry-After, then the token",
			faults:    []oauthkittest.Fault{{Status: 429, Body: `{"error":"slow_down"}`, Header: http.Header{"Retry-After": {"1"}}, Times: 1}},
			wantToken: true, wantExpiry: 180 * time.Second, wantTries: 2, wantAtLeast: time.Second,
		},
		{
			name:    "429 with a Retry-After too long to wait",
			faults:  []oauthkittest.Fault{{Status: 429, Body: `{"error":"slow_down"}`, Header: http.Header{"Retry-After": {"120"}}}},
			wantErr: oauthkit.ErrorCode("slow_down"), wantStatus: 429, wantText: "retry after: 2m0s", wantTries: 1,
		},
		{
			name:    "400 is not retried",
			faults:  []oauthkittest.Fault{{Status: 400, Body: `{"error":"invalid_request"}`}},
			wantErr: oauthkit.ErrInvalidRequest, wantStatus: 400, wantTries: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := newFake(t)
			for _, f := range tt.faults {
				srv.InjectFault(webuntistest.EndpointToken, f)
			}
			start := time.Now()
			tok, err := p.ClientCredentials(context.Background())
			assert.Equal(t, tt.wantTries, srv.Requests(webuntistest.EndpointToken), "requests sent")
			assert.GreaterOrEqual(t, time.Since(start), tt.wantAtLeast)
			if tt.wantToken {
				require.NoError(t, err)
				assert.Equal(t, fixedNow.Add(tt.wantExpiry), tok.Expiry)
				return
			}
			require.Error(t, err)
			assert.Nil(t, tok)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e, "every failure from the vendor is an *oauthkit.Error")
			assert.Equal(t, tt.wantStatus, e.StatusCode)
			assert.Equal(t, "webuntis", e.Provider)
			assert.Equal(t, "client credentials", e.Op)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.wantText)
			assert.Less(t, len(err.Error()), 1000, "a readable error, not a dump")
		})
	}
}

func TestCancelledContext(t *testing.T) {
	srv, p := newFake(t)
	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.ClientCredentials(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "the call ends with the context, not the server")

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = p.ClientCredentials(ctx)
	require.ErrorIs(t, err, context.Canceled)
	_, err = p.AuthCodeURL(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestDiscoveryFailureDoesNotPoison(t *testing.T) {
	srv, p := newFake(t)
	srv.InjectFault(webuntistest.EndpointDiscovery, oauthkittest.Fault{Status: 503, Body: nginx502, Times: 3})
	_, err := p.AuthCodeURL(context.Background())
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "discovery", e.Op)
	assert.Equal(t, 503, e.StatusCode)

	ar, err := p.AuthCodeURL(context.Background())
	require.NoError(t, err, "the next call discovers again")
	assert.NotEmpty(t, ar.URL)
	_, err = p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4, srv.Requests(webuntistest.EndpointDiscovery), "3 failed attempts, 1 success, then kept")
}

func TestExchangeIsNeverResent(t *testing.T) {
	srv, p := newFake(t)
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	require.NoError(t, err)
	cb, err := srv.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: 503, Body: "busy", Times: 1})
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	require.Error(t, err)
	assert.Equal(t, 1, srv.Requests(webuntistest.EndpointToken), "a code that reached the server is not sent again")
	var e *oauthkit.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, 503, e.StatusCode)
}

func TestWrongCredentialAdvice(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{Now: fixedClock})
	defer srv.Close()
	ctx := context.Background()

	t.Run("client credentials with the OIDC secret", func(t *testing.T) {
		cfg := srv.Config()
		cfg.Password = cfg.ClientSecret
		p := mustNew(t, cfg)
		_, err := p.ClientCredentials(ctx)
		require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, e.Advice, "platform password")
		assert.Contains(t, e.Advice, "not the OIDC client secret")
	})
	t.Run("client credentials with a wrong password", func(t *testing.T) {
		cfg := srv.Config()
		cfg.Password = "nope"
		_, err := mustNew(t, cfg).ClientCredentials(ctx)
		require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
		assert.Contains(t, e.Advice, "platform password")
	})
	t.Run("code flow with the platform password", func(t *testing.T) {
		cfg := srv.Config()
		cfg.ClientSecret = cfg.Password
		p := mustNew(t, cfg)
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
		require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, e.Advice, "OIDC client secret")
	})
}
