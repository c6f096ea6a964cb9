package oauthwire

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

func TestResponseError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   oauthkit.Error
	}{
		{
			name: "RFC 6749", status: 400,
			body: `{"error":"invalid_grant","error_description":"Bad credentials","error_uri":"https://x/doc"}`,
			want: oauthkit.Error{StatusCode: 400, Code: "invalid_grant", Description: "Bad credentials", URI: "https://x/doc"},
		},
		{
			name: "league 7 (Justimmo): message and hint, no description", status: 400,
			body: `{"error":"invalid_request","message":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.","hint":"Authorization code has expired"}`,
			want: oauthkit.Error{StatusCode: 400, Code: "invalid_request", Message: "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", Hint: "Authorization code has expired"},
		},
		{
			name: "league 8+ (Passport): all four", status: 400,
			body: `{"error":"invalid_grant","error_description":"The refresh token is invalid.","hint":"Token has been revoked","message":"The refresh token is invalid."}`,
			want: oauthkit.Error{StatusCode: 400, Code: "invalid_grant", Description: "The refresh token is invalid.", Hint: "Token has been revoked", Message: "The refresh token is invalid."},
		},
		{
			name: "LicenseSpring", status: 401,
			body: `{"status":401,"code":"signature_mismatch","message":"Signature mismatch"}`,
			want: oauthkit.Error{StatusCode: 401, Code: "signature_mismatch", Message: "Signature mismatch"},
		},
		{
			name: "nested error object", status: 403,
			body: `{"error":{"code":"forbidden","message":"no"}}`,
			want: oauthkit.Error{StatusCode: 403, Code: "forbidden", Message: "no"},
		},
		{
			name: "fields of the wrong type are ignored", status: 400,
			body: `{"error":"invalid_client","error_description":42,"hint":null}`,
			want: oauthkit.Error{StatusCode: 400, Code: "invalid_client"},
		},
		{
			name: "HTML 502 from a proxy", status: 502,
			body: "<html>\n<head><title>502 Bad Gateway</title><style>body{color:red}</style></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center><script>alert(1)</script></body></html>",
			want: oauthkit.Error{StatusCode: 502, Body: "502 Bad Gateway 502 Bad Gateway nginx"},
		},
		{
			name: "plain text", status: 500, body: "upstream\tconnect error\r\nor disconnect",
			want: oauthkit.Error{StatusCode: 500, Body: "upstream connect error or disconnect"},
		},
		{
			name: "JSON without error fields", status: 500, body: `{"ok":false}`,
			want: oauthkit.Error{StatusCode: 500, Body: `{"ok":false}`},
		},
		{
			name: "empty with Retry-After", status: 429, header: http.Header{"Retry-After": {"30"}},
			want: oauthkit.Error{StatusCode: 429, RetryAfter: 30e9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := Call{Provider: "p", Op: "op"}
			got := call.ResponseError(&httpc.Response{StatusCode: tt.status, Header: tt.header, Body: []byte(tt.body)})
			tt.want.Provider, tt.want.Op = "p", "op"
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestErrorsAreScrubbedAndBounded(t *testing.T) {
	secret := "s3cr+t/pa=ss"
	call := Call{Provider: "p", Op: "op", Secrets: redact.NewSecrets(secret, "the-code")}
	body := `{"error":"invalid_grant","error_description":"code the-code is invalid for password s3cr%2Bt%2Fpa%3Dss","hint":"` + strings.Repeat("é", 2000) + `"}`
	e := call.ResponseError(&httpc.Response{StatusCode: 400, Body: []byte(body)})
	providertest.Text(t, "error", e.Error(), "the-code", "s3cr")
	assert.Contains(t, e.Description, "[redacted]")
	assert.LessOrEqual(t, len(e.Hint), redact.MaxText)
	assert.True(t, utf8.ValidString(e.Hint), "cut at a rune boundary")

	html := "<html><body>echo: client_secret=" + secret + " " + strings.Repeat("padding ", 100) + "</body></html>"
	e = call.ResponseError(&httpc.Response{StatusCode: 502, Body: []byte(html)})
	providertest.Text(t, "error", e.Error(), "s3cr")
	assert.LessOrEqual(t, len(e.Body), redact.MaxExcerpt)
}

func TestErrorInSuccess(t *testing.T) {
	call := Call{Provider: "p", Op: "op"}
	e := call.ErrorInSuccess(&httpc.Response{StatusCode: 200, Body: []byte(`{"error":"invalid_grant"}`)})
	require.NotNil(t, e)
	assert.ErrorIs(t, e, oauthkit.ErrInvalidGrant)
	assert.Nil(t, call.ErrorInSuccess(&httpc.Response{StatusCode: 200, Body: []byte(`{"access_token":""}`)}))
}

func TestAdvice(t *testing.T) {
	call := Call{Provider: "p", Op: "op", Advise: func(e *oauthkit.Error) string {
		if errors.Is(e, oauthkit.ErrInvalidClient) {
			return "check the secret"
		}
		return ""
	}}
	e := call.ResponseError(&httpc.Response{StatusCode: 401, Body: []byte(`{"error":"invalid_client"}`)})
	assert.Equal(t, "check the secret", e.Advice)
	e = call.ResponseError(&httpc.Response{StatusCode: 400, Body: []byte(`{"error":"invalid_scope"}`)})
	assert.Empty(t, e.Advice)
}

func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"error":"invalid_grant","error_description":"x","hint":"h","message":"m"}`,
		`{"status":401,"code":"signature_mismatch","message":"m"}`,
		`{"error":{"code":"c","message":"m"}}`,
		`<html><title>502</title></html>`, ``, `null`, `{"error":null}`, "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &oauthkit.Error{}
		recognised := ParseErrorBody(body, e, nil)
		if !recognised && (e.Code != "" || e.Description != "" || e.Hint != "") {
			t.Fatal("fields set on an unrecognised body")
		}
		for _, s := range []string{e.Code, e.Description, e.Hint, e.Message, e.URI} {
			if len(s) > redact.MaxText || !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") {
				t.Fatalf("unbounded or unsafe field %q", s)
			}
		}
		ex := redact.Excerpt(body)
		if len(ex) > redact.MaxExcerpt || !utf8.ValidString(ex) || strings.ContainsAny(ex, "\n\r\x00") {
			t.Fatalf("unsafe excerpt %q", ex)
		}
	})
}

// TestErrorCodeAndShortSecrets: a secret shorter than minCodeSecret is not
// scrubbed from an error code that is one plain word (where it turns up by
// chance, and scrubbing it broke errors.Is), but is from every other text;
// a longer secret is scrubbed from a code too, and any secret from a code
// that is free text.
func TestErrorCodeAndShortSecrets(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		body     string
		wantCode string // "": the secret must not show in the code
		is       error  // errors.Is target, if any
	}{
		{"one-letter secret, RFC 6749 code", "s", `{"error":"access_denied","error_description":"user s said no"}`, "access_denied", oauthkit.ErrAccessDenied},
		{"seven-byte secret inside the code", "invalid", `{"error":"invalid_grant"}`, "invalid_grant", oauthkit.ErrInvalidGrant},
		{"short secret, device code", "ow", `{"error":"slow_down"}`, "slow_down", oauthkit.ErrorCode("slow_down")},
		{"short secret, nested code", "b", `{"error":{"code":"forbidden","message":"b"}}`, "forbidden", oauthkit.ErrorCode("forbidden")},
		{"short secret, LicenseSpring code", "a", `{"status":401,"code":"signature_mismatch","message":"a"}`, "signature_mismatch", oauthkit.ErrorCode("signature_mismatch")},
		{"long secret echoed in a plain code", "s3cr3t-value", `{"error":"bad_s3cr3t-value"}`, "", nil},
		{"short secret echoed in a free-text code", "pw1", `{"error":"wrong password pw1"}`, "", nil},
		{"long secret in a code over the bound", "s3cr3t-value", `{"error":"` + strings.Repeat("x", redact.MaxText-4) + `s3cr3t-value"}`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := Call{Provider: "p", Op: "op", Secrets: redact.NewSecrets(tt.secret)}
			e := call.ResponseError(&httpc.Response{StatusCode: 400, Body: []byte(tt.body)})
			if tt.wantCode == "" {
				assert.False(t, strings.Contains(e.Code, tt.secret), "the secret shows in the code") // short ones too: no helper here
				providertest.Prefix(t, "error code", e.Code, 4, tt.secret)
				return
			}
			assert.Equal(t, tt.wantCode, e.Code)
			assert.ErrorIs(t, e, tt.is)
			for _, text := range []string{e.Description, e.Message} {
				if text != "" {
					assert.Contains(t, text, redact.Placeholder, "other texts are scrubbed of every secret")
				}
			}
		})
	}
}

// TestShortClientSecretKeepsTheErrorCode: a token request with a one-letter
// client secret still gets an error errors.Is recognises.
func TestShortClientSecretKeepsTheErrorCode(t *testing.T) {
	srv := echoServer(t, 400, func(_, _, _, _ string) (string, string) {
		return "application/json", `{"error":"access_denied","error_description":"the user declined"}`
	})
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})}
	_, err := c.Token(context.Background(), Request{Op: "device token", TokenURL: srv.URL,
		Params:   url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"device-code-value"}},
		ClientID: "c", Secret: "s", Auth: AuthInBody})
	require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
}
