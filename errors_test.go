package oauthkit_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

func TestErrorIsAndAs(t *testing.T) {
	e := &oauthkit.Error{Provider: "justimmo", Op: "refresh", StatusCode: 400, Code: "invalid_grant"}
	wrapped := fmt.Errorf("service: %w", e)

	assert.ErrorIs(t, wrapped, oauthkit.ErrInvalidGrant)
	assert.ErrorIs(t, wrapped, oauthkit.ErrorCode("invalid_grant"))
	assert.NotErrorIs(t, wrapped, oauthkit.ErrInvalidClient)
	assert.NotErrorIs(t, wrapped, oauthkit.ErrMalformedResponse)

	var got *oauthkit.Error
	require.ErrorAs(t, wrapped, &got)
	assert.Equal(t, "refresh", got.Op)

	malformed := &oauthkit.Error{Provider: "webuntis", Op: "exchange", StatusCode: 200, Err: oauthkit.ErrMalformedResponse}
	assert.ErrorIs(t, malformed, oauthkit.ErrMalformedResponse)
	assert.NotErrorIs(t, malformed, oauthkit.ErrorCode(""), "an error without a code matches no code")
}

func TestIDTokenSentinelsShareAParent(t *testing.T) {
	for _, err := range []error{oauthkit.ErrIDTokenSignature, oauthkit.ErrIDTokenIssuer, oauthkit.ErrIDTokenAudience, oauthkit.ErrIDTokenExpired, oauthkit.ErrNonceMismatch} {
		assert.ErrorIs(t, err, oauthkit.ErrInvalidIDToken, err.Error())
	}
	assert.NotErrorIs(t, oauthkit.ErrIDTokenExpired, oauthkit.ErrIDTokenAudience)
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *oauthkit.Error
		want string
	}{
		{
			name: "league error with message and hint",
			err: &oauthkit.Error{Provider: "justimmo", Op: "exchange", StatusCode: 400, Code: "invalid_request",
				Message: "The request is missing a required parameter", Hint: "Authorization code has expired"},
			want: "justimmo: exchange: invalid_request (HTTP 400): message: The request is missing a required parameter; hint: Authorization code has expired",
		},
		{
			name: "description equal to message is said once",
			err:  &oauthkit.Error{Provider: "unisignin", Op: "refresh", StatusCode: 401, Code: "invalid_request", Description: "x", Message: "x"},
			want: "unisignin: refresh: invalid_request (HTTP 401): x",
		},
		{
			name: "html page",
			err:  &oauthkit.Error{Provider: "webuntis", Op: "client credentials", StatusCode: 502, Body: "502 Bad Gateway nginx"},
			want: `webuntis: client credentials: unexpected response (HTTP 502): body: "502 Bad Gateway nginx"`,
		},
		{
			name: "cause and advice",
			err: &oauthkit.Error{Provider: "webuntis", Op: "exchange", StatusCode: 200, Err: oauthkit.ErrMalformedResponse,
				Description: "token response has no access_token", RetryAfter: 2 * time.Second, Advice: "do this"},
			want: "webuntis: exchange: malformed response (HTTP 200): token response has no access_token; retry after: 2s; advice: do this",
		},
		{
			name: "callback error has no status",
			err:  &oauthkit.Error{Provider: "justimmo", Op: "authorize", Code: "access_denied", Hint: "The user denied the request"},
			want: "justimmo: authorize: access_denied: hint: The user denied the request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorLogValue(t *testing.T) {
	e := &oauthkit.Error{Provider: "webuntis", Op: "client credentials", StatusCode: 400, Code: "invalid_grant", Advice: "use the password"}
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Error("token", "err", e)
	out := buf.String()
	for _, want := range []string{"err.provider=webuntis", `err.op="client credentials"`, "err.status=400", "err.code=invalid_grant", `err.advice="use the password"`} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "err.body", "empty fields are left out")
}

func TestConfigError(t *testing.T) {
	err := error(&oauthkit.ConfigError{Provider: "webuntis", Field: "Tenant", Reason: "is required"})
	assert.Equal(t, "webuntis: config: Tenant is required", err.Error())
	var ce *oauthkit.ConfigError
	assert.True(t, errors.As(err, &ce))
}
