package licensespring

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// FuzzParseFragment feeds the implicit-grant fragment parser, and the token
// built from what it accepts, with arbitrary input: it must not panic,
// must refuse repeated parameters and codes, and its errors must not quote
// the tokens.
func FuzzParseFragment(f *testing.F) {
	for _, seed := range []string{
		"",
		"#",
		"state=s&access_token=at&token_type=Bearer&expires_in=300&id_token=a.b.c&session_state=x",
		"#state=s&access_token=at&token_type=bearer&expires_in=300.5",
		"http://127.0.0.1/callback#state=s&access_token=at&token_type=Bearer",
		"state=s&state=t",
		"code=abc&state=s",
		"error=access_denied&error_description=no&state=s",
		"access_token=%zz",
		"access_token=at&token_type=Bearer&expires_in=-1",
		"access_token=at&token_type=Bearer&expires_in=1e300",
		"access_token=at&token_type=Bearer&expires_in=NaN",
		"access_token=at&token_type=MAC",
		"a;b=c",
		"access_token=" + strings.Repeat("x", 100),
	} {
		f.Add(seed)
	}
	p := &Provider{cfg: Config{Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}}
	f.Fuzz(func(t *testing.T, fragment string) {
		vals, err := parseFragment(fragment)
		if err != nil {
			return
		}
		for k, vs := range vals {
			if len(vs) != 1 {
				t.Fatalf("parameter %q accepted %d times", k, len(vs))
			}
		}
		if vals.Has("code") {
			t.Fatal("a code was accepted in an implicit fragment")
		}
		tok, err := p.fragmentToken(vals)
		if err != nil {
			var e *oauthkit.Error
			if !errors.As(err, &e) || !errors.Is(err, oauthkit.ErrMalformedResponse) {
				t.Fatalf("error %v is not a malformed-response *oauthkit.Error", err)
			}
			for _, secret := range []string{vals.Get("access_token"), vals.Get("id_token")} {
				if len(secret) >= 8 && strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q quotes a token", err)
				}
			}
			return
		}
		if tok.AccessToken == "" || tok.AccessToken != vals.Get("access_token") {
			t.Fatalf("token %q from access_token %q", tok.AccessToken, vals.Get("access_token"))
		}
		if !strings.EqualFold(tok.TokenType, "Bearer") {
			t.Fatalf("token type %q accepted", tok.TokenType)
		}
		if tok.ExpiresIn < 0 {
			t.Fatalf("negative expires_in %d", tok.ExpiresIn)
		}
		if id := vals.Get("id_token"); id != "" {
			if got, _ := tok.Extra("id_token").(string); got != id {
				t.Fatalf("Extra(id_token) = %q, want %q", got, id)
			}
		}
	})
}

// FuzzSSOAnswer feeds the sso_url answer handling — the error-body parser
// for {status, code, message} and the rest, and the answer's checks — with
// arbitrary statuses and bodies. It must not panic; every failure must be
// an *oauthkit.Error carrying the status; and the shared key and the
// request's signature must never appear in it, even when the body echoes
// them.
func FuzzSSOAnswer(f *testing.F) {
	const sharedKey = "fuzz-shared-key-Zq9"
	for _, seed := range []struct {
		status int
		body   string
	}{
		{400, `{"status":400,"code":"signature_mismatch","message":"Signature mismatch"}`},
		{400, `{"status":400,"code":"date_header_diff","message":"Date header differs by more than 15 minutes"}`},
		{401, `{"status":"401","code":123,"message":null}`},
		{400, `{"error":{"code":"x","message":"nested"}}`},
		{400, `{"error":"invalid_request","error_description":"d","hint":"h"}`},
		{500, `<html><script>var k="` + sharedKey + `"</script><p>oops ` + sharedKey + `</p></html>`},
		{400, `{"message":"your key is ` + sharedKey + `"}`},
		{400, `{"message":"your key is fuzz-shared-\u006bey-Zq9"}`},
		{200, `{"url":"http://127.0.0.1/realms/r/protocol/openid-connect/auth?client_id=c&response_type=code"}`},
		{200, `{"url":"http://127.0.0.1/realms/r/protocol/openid-connect/auth?client_id=c&response_type=code","openid_configuration":{"issuer":"http://127.0.0.1/realms/r","token_endpoint":"http://127.0.0.1/t"}}`},
		{200, `{"url":"https://auth.example.com/x?client_id=` + sharedKey + `"}`},
		{200, `{"url":12}`},
		{200, `null`},
		{204, ``},
		{302, `moved`},
		{404, `Not Found`},
	} {
		f.Add(seed.status, seed.body)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 200 || status > 599 || httpc.Transient(status) {
			return // out of range, or retried with real sleeps
		}
		var sig string
		transport := roundTrip(func(r *http.Request) (*http.Response, error) {
			auth := r.Header.Get("Authorization")
			if i := strings.Index(auth, `signature="`); i >= 0 {
				sig = auth[i+len(`signature="`):]
				sig = sig[:strings.IndexByte(sig, '"')]
			}
			b := strings.ReplaceAll(body, "$SIG", sig)
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(b)), Request: r}, nil
		})
		p, err := New(Config{
			APIURL: "http://127.0.0.1", APIKey: "k", SharedKey: sharedKey, Product: "p", CustomerAccountCode: "c",
			HTTPClient: &http.Client{Transport: transport},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = p.SSOURL(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("status %d, body %q: no answer in 5s", status, body)
		}
		if err == nil {
			if status/100 != 2 {
				t.Fatalf("status %d accepted", status)
			}
			return
		}
		var e *oauthkit.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not an *oauthkit.Error", err)
		}
		if e.StatusCode != status {
			t.Fatalf("status %d reported as %d", status, e.StatusCode)
		}
		for _, s := range []string{err.Error(), e.Code, e.Message, e.Description, e.Hint, e.Body, e.URI} {
			if strings.Contains(s, sharedKey) || (sig != "" && strings.Contains(s, sig)) {
				t.Fatalf("error shows a secret: %q", s)
			}
		}
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
