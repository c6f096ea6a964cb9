package justimmo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

const invalidRequestMessage = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."

// fixture returns a response body of the vendor's page
// (https://api-docs.justimmo.at/partner/oauth.html;
// docs/vendors/justimmo.md#errors), as the page shows it (testdata/).
func fixture(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestDocumentedErrors feeds the error bodies of the vendor's page
// (docs/vendors/justimmo.md#errors; verbatim, in testdata/) and their
// variants to the operations that get them.
func TestDocumentedErrors(t *testing.T) {
	tests := []struct {
		name                string
		op                  string
		status              int
		body                string
		code, message, hint string
		needsLogin          bool
		advice              string
	}{
		{
			name: "expired code", op: "exchange", status: 400, body: fixture("code_expired.json"),
			code: "invalid_request", message: invalidRequestMessage, hint: "Authorization code has expired",
			advice: "one minute",
		},
		{
			name: "expired refresh token", op: "refresh", status: 400, body: fixture("refresh_expired.json"),
			code: "invalid_request", message: invalidRequestMessage, hint: "Refresh token has expired",
			needsLogin: true, advice: "one month",
		},
		{
			name: "expired refresh token, HTTP 401", op: "refresh", status: 401,
			body: `{"error":"invalid_request","message":"` + invalidRequestMessage + `","hint":"Refresh token has expired"}`,
			code: "invalid_request", message: invalidRequestMessage, hint: "Refresh token has expired",
			needsLogin: true, advice: "one month",
		},
		{
			name: "revoked refresh token (league 7)", op: "refresh", status: 401,
			body: `{"error":"invalid_request","message":"The refresh token is invalid.","hint":"Token has been revoked"}`,
			code: "invalid_request", message: "The refresh token is invalid.", hint: "Token has been revoked",
			needsLogin: true, advice: "log in again",
		},
		{
			name: "bad client", op: "client credentials", status: 401, body: fixture("client_credentials_invalid_client.json"),
			code: "invalid_client", message: "Client authentication failed", advice: "form body",
		},
		{
			name: "bad client on refresh", op: "refresh", status: 401,
			body: `{"error":"invalid_client","message":"Client authentication failed"}`,
			code: "invalid_client", message: "Client authentication failed", advice: "form body",
		},
		{
			name: "missing refresh token parameter", op: "refresh", status: 400,
			body: `{"error":"invalid_request","message":"` + invalidRequestMessage + "\",\"hint\":\"Check the `refresh_token` parameter\"}",
			code: "invalid_request", message: invalidRequestMessage, hint: "Check the `refresh_token` parameter",
		},
		{
			name: "current user refused", op: "current user", status: 401,
			body: `{"error":"access_denied","message":"The resource owner or authorization server denied the request.","hint":"Access token could not be verified"}`,
			code: "access_denied", message: "The resource owner or authorization server denied the request.", hint: "Access token could not be verified",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fakeidp.Reply(tt.status, tt.body)
			p, _, _ := newStub(t, h, h)
			ctx := context.Background()
			var err error
			switch tt.op {
			case "exchange":
				ar, aerr := p.AuthCodeURL(ctx)
				require.NoError(t, aerr)
				_, err = p.Exchange(ctx, "code-1", ar)
			case "refresh":
				_, err = p.Refresh(ctx, "refresh-1")
			case "client credentials":
				_, err = p.ClientCredentials(ctx)
			case "current user":
				_, err = p.User(ctx, &oauth2.Token{AccessToken: "access-1"})
			}
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "justimmo", e.Provider)
			assert.Equal(t, tt.op, e.Op)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, tt.code, e.Code)
			assert.Empty(t, e.Description, "league ≤ 7 sends no error_description")
			assert.Equal(t, tt.message, e.Message)
			assert.Equal(t, tt.hint, e.Hint)
			assert.ErrorIs(t, err, oauthkit.ErrorCode(tt.code))
			assert.Equal(t, tt.needsLogin, oauthkit.NeedsLogin(err))
			if tt.advice == "" {
				assert.Empty(t, e.Advice)
			} else {
				assert.Contains(t, e.Advice, tt.advice)
			}
			if tt.hint != "" {
				assert.Contains(t, err.Error(), "hint: "+tt.hint)
			}
			assert.Contains(t, err.Error(), "message: "+tt.message)
		})
	}
}

// TestDocumentedResponses reads the success bodies of the vendor's page
// (docs/vendors/justimmo.md#grants).
func TestDocumentedResponses(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		file    string
		op      string
		expires time.Duration
		refresh bool
	}{
		{"code_token.json", "exchange", 86400 * time.Second, true},
		{"refresh_token.json", "refresh", 86400 * time.Second, true},
		{"client_credentials_token.json", "client credentials", 2678400 * time.Second, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			p, _, _ := newStub(t, fakeidp.Reply(200, fixture(tt.file)), unused)
			var tok *oauth2.Token
			var err error
			switch tt.op {
			case "exchange":
				ar, aerr := p.AuthCodeURL(ctx)
				require.NoError(t, aerr)
				tok, err = p.Exchange(ctx, "code-1", ar)
			case "refresh":
				tok, err = p.Refresh(ctx, "refresh-1")
			case "client credentials":
				tok, err = p.ClientCredentials(ctx)
			}
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Equal(t, "...", tok.AccessToken)
			assert.Equal(t, testNow.Add(tt.expires), tok.Expiry)
			assert.Equal(t, tt.refresh, tok.RefreshToken != "" && tok.RefreshToken != "refresh-1")
		})
	}
	t.Run("current_user.json", func(t *testing.T) {
		p, _, _ := newStub(t, unused, fakeidp.Reply(200, fixture("current_user.json")))
		u, err := p.User(ctx, &oauth2.Token{AccessToken: "access-1"})
		require.NoError(t, err)
		assert.Equal(t, &justimmo.User{ID: "1234", TenantID: "5678"}, u)
	})
}
