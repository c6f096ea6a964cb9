package unisignin_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// TestErrorShapes feeds each league/oauth2-server error body UniSignIn may
// send (by league version) to each operation, and checks the *oauthkit.Error.
func TestErrorShapes(t *testing.T) {
	type want struct {
		status                          int
		code, desc, message, hint, body string
		needsLogin                      bool
		advice                          string // substring; "" for none
		is                              error
	}
	tests := []struct {
		name   string
		op     string // refresh, exchange, password, user
		status int
		body   string
		want   want
	}{
		{
			name: "league 7 dead refresh token", op: "refresh", status: 401,
			body: `{"error":"invalid_request","message":"The refresh token is invalid.","hint":"Token has been revoked"}`,
			want: want{status: 401, code: "invalid_request", message: "The refresh token is invalid.", hint: "Token has been revoked", needsLogin: true, advice: "log in again", is: oauthkit.ErrInvalidRequest},
		},
		{
			name: "league 8 dead refresh token", op: "refresh", status: 400,
			body: `{"error":"invalid_grant","error_description":"The refresh token is invalid.","hint":"Token has expired","message":"The refresh token is invalid."}`,
			want: want{status: 400, code: "invalid_grant", desc: "The refresh token is invalid.", message: "The refresh token is invalid.", hint: "Token has expired", needsLogin: true, advice: "log in again", is: oauthkit.ErrInvalidGrant},
		},
		{
			name: "league 9 dead refresh token", op: "refresh", status: 400,
			body: `{"error":"invalid_grant","error_description":"The refresh token is invalid.","hint":"Cannot decrypt the refresh token"}`,
			want: want{status: 400, code: "invalid_grant", desc: "The refresh token is invalid.", hint: "Cannot decrypt the refresh token", needsLogin: true, advice: "log in again", is: oauthkit.ErrInvalidGrant},
		},
		{
			name: "refresh with a wrong client", op: "refresh", status: 401,
			body: `{"error":"invalid_client","error_description":"Client authentication failed","message":"Client authentication failed"}`,
			want: want{status: 401, code: "invalid_client", desc: "Client authentication failed", message: "Client authentication failed", advice: "client_secret", is: oauthkit.ErrInvalidClient},
		},
		{
			name: "refresh without the parameter", op: "refresh", status: 400,
			body: `{"error":"invalid_request","message":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.","hint":"Check the ` + "`refresh_token`" + ` parameter"}`,
			want: want{status: 400, code: "invalid_request", message: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", hint: "Check the `refresh_token` parameter", is: oauthkit.ErrInvalidRequest},
		},
		{
			name: "refresh hits a 500", op: "refresh", status: 500,
			body: `{"error":"server_error","error_description":"The authorization server encountered an unexpected condition"}`,
			want: want{status: 500, code: "server_error", desc: "The authorization server encountered an unexpected condition", is: oauthkit.ErrServerError},
		},
		{
			name: "proxy HTML page", op: "refresh", status: 502,
			body: `<html><head><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>`,
			want: want{status: 502, body: "502 Bad Gateway"},
		},
		{
			name: "league 7 expired code", op: "exchange", status: 400,
			body: `{"error":"invalid_request","message":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.","hint":"Authorization code has expired"}`,
			want: want{status: 400, code: "invalid_request", message: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", hint: "Authorization code has expired", advice: "exchange the code as soon as", is: oauthkit.ErrInvalidRequest},
		},
		{
			name: "league 8 bad verifier", op: "exchange", status: 400,
			body: `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.","hint":"Code Verifier must follow the specifications of RFC-7636.","message":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."}`,
			want: want{status: 400, code: "invalid_request", desc: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", message: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", hint: "Code Verifier must follow the specifications of RFC-7636.", advice: "letters and digits", is: oauthkit.ErrInvalidRequest},
		},
		{
			name: "league 7 wrong password", op: "password", status: 401,
			body: `{"error":"invalid_credentials","message":"The user credentials were incorrect."}`,
			want: want{status: 401, code: "invalid_credentials", message: "The user credentials were incorrect.", advice: "email", is: oauthkit.ErrorCode("invalid_credentials")},
		},
		{
			name: "league 8 wrong password", op: "password", status: 400,
			body: `{"error":"invalid_grant","error_description":"The user credentials were incorrect.","message":"The user credentials were incorrect."}`,
			want: want{status: 400, code: "invalid_grant", desc: "The user credentials were incorrect.", message: "The user credentials were incorrect.", advice: "email", is: oauthkit.ErrInvalidGrant},
		},
		{
			name: "user endpoint unauthenticated", op: "user", status: 401,
			body: `{"message":"Unauthenticated."}`,
			want: want{status: 401, message: "Unauthenticated."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newStub(t, testSecret, fakeidp.Reply(tt.status, tt.body))
			ctx := context.Background()
			var err error
			switch tt.op {
			case "refresh":
				_, err = p.Refresh(ctx, "refresh-1")
			case "exchange":
				ar, aerr := p.AuthCodeURL(ctx)
				require.NoError(t, aerr)
				_, err = p.Exchange(ctx, "code-1", ar)
			case "password":
				_, err = p.PasswordToken(ctx, "ada@example.com", "pw")
			case "user":
				_, err = p.User(ctx, &oauth2.Token{AccessToken: "access-1"})
			}
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "unisignin", e.Provider)
			assert.Equal(t, tt.op, e.Op)
			assert.Equal(t, tt.want.status, e.StatusCode)
			assert.Equal(t, tt.want.code, e.Code)
			assert.Equal(t, tt.want.desc, e.Description)
			assert.Equal(t, tt.want.message, e.Message)
			assert.Equal(t, tt.want.hint, e.Hint)
			assert.Equal(t, tt.want.body, e.Body)
			assert.Equal(t, tt.want.needsLogin, oauthkit.NeedsLogin(err), "NeedsLogin")
			if tt.want.advice == "" {
				assert.Empty(t, e.Advice)
			} else {
				assert.Contains(t, e.Advice, tt.want.advice)
			}
			if tt.want.is != nil {
				assert.ErrorIs(t, err, tt.want.is)
			}
			if tt.want.hint != "" {
				assert.Contains(t, err.Error(), "hint: "+tt.want.hint)
			}
			// 5xx on a refresh is retried (not single-use); 4xx never.
			if tt.status < 500 {
				assert.Len(t, rec.Requests(), 1)
			}
		})
	}
}

func TestMalformedAnswers(t *testing.T) {
	for _, tt := range []struct{ name, body string }{
		{"not JSON", `access_token=x`},
		{"no access token", `{"token_type":"Bearer","expires_in":60}`},
		{"negative expiry", `{"access_token":"a","expires_in":-1}`},
		{"HTML with 200", `<html>login</html>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newStub(t, testSecret, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(tt.body))
			})
			_, err := p.Refresh(context.Background(), "refresh-1")
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			// The server answered: UniSignIn (league) has revoked the refresh
			// token sent, so it is spent, and only a new login helps.
			require.ErrorIs(t, err, oauthkit.ErrRefreshTokenSpent)
			assert.True(t, oauthkit.NeedsLogin(err))
		})
	}
}

func TestNetworkErrorIsNotNeedsLogin(t *testing.T) {
	p, rec := newStub(t, testSecret, fakeidp.Reply(200, tokenAnswer))
	rec.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.Refresh(ctx, "refresh-1")
	require.Error(t, err)
	var e *oauthkit.Error
	assert.False(t, errors.As(err, &e), "no answer: not an *oauthkit.Error")
	assert.False(t, oauthkit.NeedsLogin(err))
	assert.Contains(t, err.Error(), "unisignin: refresh:")
}
